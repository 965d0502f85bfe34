#!/usr/bin/env bash
# Regenerate the seed corpora under tests/fuzz/corpus/ from real output of
# this project: archives written by bin/bv-gen, cut apart by a small helper
# program (compiled into a temporary directory from the source below, linked
# with the format library). Run from the repository root after `make`:
#
#   tests/fuzz/make_corpus.sh
#
# It replaces the generated files (names starting with "gen-") and keeps any
# other file in the corpus directories (fuzz-* inputs found by the fuzzers,
# crash-* regression inputs of fixed bugs).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
corpus=$root/tests/fuzz/corpus
[ -x bin/bv-gen ] && [ -f build/default/libbvformat.a ] || { echo "run make first" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bv-corpus.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# ------------------------------------------------------------------ helper
cat > "$tmp/tool.c" <<'EOF'
/* corpus-tool SEGFILE SEALED CORPUSDIR TAG STRUCTS: write fuzz seeds cut from one
 * segment (fuzz_structs seeds only when STRUCTS is 1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>
#include "internal.h"

static const char *outdir, *tag;
static int structs;
static unsigned nvalues, nschemas;

static void put(const char *target, const char *what, unsigned i, int sel, const void *p, size_t n)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s/gen-%s-%s%u", outdir, target, tag, what, i);
    if (!structs && strcmp(target, "structs") == 0)
        return;
    FILE *f = fopen(path, "wb");
    if (!f) { perror(path); exit(1); }
    if (sel >= 0)
        fputc(sel, f);
    if (n && fwrite(p, 1, n, f) != n) { perror(path); exit(1); }
    fclose(f);
}

int main(int argc, char **argv)
{
    if (argc != 6) { fprintf(stderr, "usage: corpus-tool SEG SEALED DIR TAG STRUCTS\n"); return 2; }
    outdir = argv[3];
    tag = argv[4];
    structs = atoi(argv[5]);
    char err[1024];
    bv_segment *s;
    if (bv_segment_open(&s, argv[1], atoi(argv[2]), err, sizeof(err))) { fprintf(stderr, "%s\n", err); return 1; }
    /* structs: header (selector 2: body, 3: whole), trailer 4, footer 1 */
    put("structs", "header-body", 0, 2, s->hdr_bytes + 16, s->hdr_len - 24);
    put("structs", "header", 0, 3, s->hdr_bytes, s->hdr_len);
    if (s->sealed) {
        uint8_t tr[BV_TRAILER_LEN];
        uint64_t foff, flen, fsum;
        if (bv_pread_all(s->fd, tr, sizeof(tr), s->size - sizeof(tr), s->path, err, sizeof(err)) ||
            bv_seg_trailer_parse(tr, &foff, &flen, &fsum)) { fprintf(stderr, "trailer\n"); return 1; }
        put("structs", "trailer", 0, 4, tr, sizeof(tr));
        put("structs", "footer", 0, 1, s->footer_bytes, flen);
        put("gtid", "end-gtid", 0, -1, s->footer.end_gtid.ptr, s->footer.end_gtid.len);
    }
    if (s->hdr.start_gtid.len)
        put("gtid", "start-gtid", 0, -1, s->hdr.start_gtid.ptr, s->hdr.start_gtid.len);

    ZSTD_DCtx *zd = ZSTD_createDCtx();
    bv_buf blk, raw, vals;
    bv_schemas schemas;
    bv_rec_ctx ctx;
    bv_buf_init(&blk); bv_buf_init(&raw); bv_buf_init(&vals);
    bv_schemas_init(&schemas);
    memset(&ctx, 0, sizeof(ctx));
    ctx.schemas = &schemas;
    ctx.file = "x";
    ctx.file_len = 1;
    for (uint32_t i = 0; i < s->nblocks; i++) {
        bv_block_meta meta;
        if (bv_segment_read_block(s, i, &blk, &raw, zd, &meta, err, sizeof(err))) { fprintf(stderr, "%s\n", err); return 1; }
        uint16_t meta_len = bv_rd16(blk.data + 6);
        if (i == 0) {
            put("structs", "meta", i, 0, blk.data + 16, meta_len);
            put("structs", "block", i, 5, blk.data, blk.len - 8);
        }
        if (i < 3)
            put("records", "payload", i, -1, raw.data, raw.len);
        /* schema bodies and value sequences from the records */
        bv_cur c = bv_cur_make(raw.data, raw.len);
        while (c.left) {
            bv_event ev;
            int is_schema;
            if (bv_record_decode(&c, &ctx, &ev, &is_schema, err, sizeof(err))) { fprintf(stderr, "%s\n", err); return 1; }
            if (is_schema && nschemas < 2) {
                const bv_buf *e = bv_schema_encoding(schemas.v[schemas.n - 1]);
                put("structs", "schema", nschemas++, 6, e->data, e->len);
            }
            if (!is_schema && ev.type >= BV_EV_INSERT && ev.type <= BV_EV_DELETE && nvalues < 2) {
                bv_buf_reset(&vals);
                for (uint32_t k = 0; k < ev.ncols; k++)
                    bv_value_encode(&vals, ev.before ? &ev.before[k] : &ev.after[k]);
                if (ev.after && ev.before)
                    for (uint32_t k = 0; k < ev.ncols; k++)
                        bv_value_encode(&vals, &ev.after[k]);
                put("structs", "values", nvalues++, 7, vals.data, vals.len);
            }
        }
    }
    bv_schemas_release(&schemas);
    bv_rec_ctx_release(&ctx);
    bv_buf_release(&blk); bv_buf_release(&raw); bv_buf_release(&vals);
    ZSTD_freeDCtx(zd);
    const char *name = strrchr(argv[1], '/');
    name = name ? name + 1 : argv[1];
    put("structs", "name", 0, 8, name, strlen(name));
    bv_segment_close(s);
    return 0;
}
EOF
cc -std=c11 -O1 -D_GNU_SOURCE -Iinclude -Iformat "$tmp/tool.c" build/default/libbvformat.a \
   $(pkg-config --libs libzstd libxxhash) -o "$tmp/corpus-tool"
tool=$tmp/corpus-tool

for t in segment records structs gtid; do
  mkdir -p "$corpus/$t"
  rm -f "$corpus/$t"/gen-*
done

# ------------------------------------------------------------------ archives
gen() { # NAME bv-gen options...
  local name=$1; shift
  bin/bv-gen --archive "$tmp/$name" "$@" >/dev/null
}
gen my    --txns 20 --block-size 2000 --segment-size 6000 --ddl-every 7 --rotate-every 3000 --seed 1
gen maria --txns 20 --block-size 2000 --segment-size 6000 --ddl-every 5 --rotate-every 3000 --seed 2 --mariadb
gen small --txns 3 --block-size 600 --seed 3
gen ddl   --txns 16 --block-size 1500 --segment-size 2500 --ddl-every 2 --seed 4
gen torn  --txns 6 --block-size 800 --seed 5
bin/bv-gen --archive "$tmp/torn" --txns 3 --block-size 100000 --no-close >/dev/null # buffered events dropped

seg=$corpus/segment
for a in my maria small ddl torn; do
  i=0
  for f in "$tmp/$a"/*.bvseg "$tmp/$a"/*.bvseg.part; do
    [ -e "$f" ] || continue
    [ "$(stat -c %s "$f")" -le 20000 ] || continue
    case $f in *.part) sealed=0 kind=open ;; *) sealed=1 kind=sealed ;; esac
    cp "$f" "$seg/gen-$a-$kind$i"
    # fuzz_structs seeds from the first segment of three archives only
    st=0
    case $a in my|maria|ddl) [ $i -eq 0 ] && st=1 ;; esac
    "$tool" "$f" $sealed "$corpus" "$a-$kind$i" $st
    i=$((i + 1))
  done
done

# damaged segments, cut from the first sealed one of "my"
src=$(ls "$tmp"/my/*.bvseg | head -1)
size=$(stat -c %s "$src")
head -c $((size / 2)) "$src" > "$seg/gen-bad-sealed-half"
head -c $((size - 40)) "$src" > "$seg/gen-bad-no-trailer"
head -c $((size - 1)) "$src" > "$seg/gen-bad-short-trailer"
head -c 100 "$src" > "$seg/gen-bad-header-only"
head -c 12 "$src" > "$seg/gen-bad-12-bytes"
: > "$seg/gen-bad-empty"
printf 'not a binvault segment, just text\n' > "$seg/gen-bad-foreign"
flip() { # SRC OFFSET DST: copy with one byte inverted
  cp "$1" "$3"
  local b; b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
  printf "$(printf '\\%03o' $((255 - b)))" | dd of="$3" bs=1 seek="$2" conv=notrunc status=none
}
flip "$src" 8 "$seg/gen-bad-version"
flip "$src" 200 "$seg/gen-bad-block-byte"
flip "$src" $((size - 60)) "$seg/gen-bad-footer-byte"
flip "$src" $((size - 10)) "$seg/gen-bad-trailer-sum"
part=$(ls "$tmp"/my/*.part | head -1)
psize=$(stat -c %s "$part")
head -c $((psize - 100)) "$part" > "$seg/gen-bad-open-torn"
cat "$part" - <<< "BVBK garbage after the last block" > "$seg/gen-bad-open-tail"

# ------------------------------------------------------------------ records extras
rec=$corpus/records
first=$(ls "$rec"/gen-my-sealed0-payload* | head -1)
head -c 300 "$first" > "$rec/gen-bad-truncated"
printf '\x00' > "$rec/gen-bad-type0"
printf '\x0a\x01\x02' > "$rec/gen-bad-type10"
printf '\x02\x80\x01\x00\x00\x05\x01' > "$rec/gen-bad-row-no-schema"
: > "$rec/gen-empty"

# ------------------------------------------------------------------ structs extras
st=$corpus/structs
printf '\x08%s' "0000000012-mysql%2Dbin.000001-000000000004.bvseg.part" > "$st/gen-name-part"
printf '\x08%s' "0000000012-x-00000000004.bvseg" > "$st/gen-name-bad"
printf '\x08%s' "LOCK" > "$st/gen-name-lock"
printf '\x07\x02\x01\x03\x96\x01\x04\x00\x00\xc0\x3f\x06\x04-1.5\x07\xea\x0f\x0c\x1f\x08\x01\x8f\x4e\x3b\x3b\x87\xad\x3c\x0b\xbb\x0f\x12\x04\x00\x00\x00\x00\x13\x04\x00\x00\x80\x3f' > "$st/gen-values-kinds"
printf '\x07\x06\x03' > "$st/gen-values-bad-decimal"
printf '\x04BVSEGEND' > "$st/gen-trailer-short"
printf '\x01BVFT\x00\x01x\x04\x00\x00' > "$st/gen-footer-empty"
printf '\x00\x00' > "$st/gen-meta-short"

# ------------------------------------------------------------------ gtid
g=$corpus/gtid
w() { printf '%s' "$2" > "$g/gen-$1"; }
w mysql-one 3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5
w mysql-multi '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7:9-11,4e11fa47-71ca-11e1-9e33-c80aa9429562:23'
w mysql-newlines $'3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,\n 4e11fa47-71ca-11e1-9e33-c80aa9429562:1-100,\n\t5e11fa47-71ca-11e1-9e33-c80aa9429562:2'
w mysql-tag 3e11fa47-71ca-11e1-9e33-c80aa9429562:tag_1:1-5
w mysql-tags '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-3:tag_1:1-5:7:_other:9,3e11fa47-71ca-11e1-9e33-c80aa9429562:tag_1:6'
w mysql-nodash 3E11FA4771CA11E19E33C80AA9429562:1-2:4
w mysql-overlap '3e11fa47-71ca-11e1-9e33-c80aa9429562:5-9:1-6:10:20-18446744073709551615'
w mysql-max 3e11fa47-71ca-11e1-9e33-c80aa9429562:18446744073709551615
w mysql-with-gtid '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5|3e11fa47-71ca-11e1-9e33-c80aa9429562:tag_1:6'
w mariadb 0-1-100,1-2-5
w mariadb-one 0-1-100
w mariadb-with-gtid '0-1-100,1-2-5|2-3-4000000000'
w mariadb-spaces ' 0-1-100 , 1-2-5 ,'
w gtid-mysql 3e11fa47-71ca-11e1-9e33-c80aa9429562:42
w gtid-mysql-tag 3e11fa47-71ca-11e1-9e33-c80aa9429562:Tag9:42
w empty ''
w bad-zero 3e11fa47-71ca-11e1-9e33-c80aa9429562:0
w bad-reversed 3e11fa47-71ca-11e1-9e33-c80aa9429562:5-3
w bad-uuid 3e11fa47-71ca-11e1-9e33-c80aa942956:1
w bad-tag-long 3e11fa47-71ca-11e1-9e33-c80aa9429562:abcdefghijklmnopqrstuvwxyz0123456789:1
w bad-tag-only 3e11fa47-71ca-11e1-9e33-c80aa9429562:tag
w bad-mixed '3e11fa47-71ca-11e1-9e33-c80aa9429562:1,0-1-2'
w bad-mariadb-dup 0-1-100,0-2-5
w bad-mariadb-overflow 4294967296-1-1
w bad-overflow 3e11fa47-71ca-11e1-9e33-c80aa9429562:18446744073709551616
w bad-colons '3e11fa47-71ca-11e1-9e33-c80aa9429562::1'

for t in segment records structs gtid; do
  printf '%-8s %3d files %7d bytes\n' "$t" "$(ls "$corpus/$t" | wc -l)" "$(cat "$corpus/$t"/* | wc -c)"
done
