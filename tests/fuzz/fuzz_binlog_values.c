/* Fuzz target: column values of row images (archiver/values.c), NEWDECIMAL
 * binary to text and MySQL binary JSON to text (archiver/json.c).
 *
 * Input: [0] mode (mod 3), then
 *   mode 0, bv_binlog_value():
 *     [1] column type (binlog type code, as in a TABLE_MAP)
 *     [2..3] column metadata, little-endian (as the TABLE_MAP parser makes
 *            it: precision << 8 | scale for NEWDECIMAL, bytes << 8 | bits
 *            for BIT, type << 8 | length for STRING, fsp for TIME2, pack
 *            length for BLOB/JSON/GEOMETRY/VECTOR, maximum length for
 *            VARCHAR)
 *     [4] flags: bit 0 UNSIGNED, bit 1 BV_COL_BINARY, bits 2-3 charset
 *         (0 unknown, 1 binary (63), 2 utf8 (33), 3 utf8mb4_0900 (255))
 *     [5..] the row bytes: values of that column back to back, decoded one
 *           after the other (at most 64) until one fails or nothing is left.
 *     A failed decode must leave the cursor where it was. A decoded value
 *     must pass bv_value_check() (what the archive format can store), have
 *     the kind its column type maps to (FORMAT.md "MySQL column types"),
 *     use exactly the bytes of its type where the width is fixed, point into
 *     the input (or into the arena for padded BINARY, DECIMAL and JSON text),
 *     be valid JSON text for JSON columns, and survive bv_value_encode ->
 *     bv_value_decode -> bv_value_encode byte for byte.
 *   mode 1, bv_decimal_bin_to_text(): [1] precision, [2] scale, [3..] bytes.
 *     On success the text is "-?D+(.D{scale})?" without leading zeros or a
 *     negative zero, has at most precision - scale integer digits, used is
 *     bv_decimal_bin_size(), and encoding the text back to MySQL's binary
 *     form (an independent encoder here) gives the input bytes (except for
 *     zero, which has two encodings); an output buffer of exactly the text's
 *     size works, one byte less fails with BV_E_INVAL.
 *   mode 2, bv_json_binary_to_text(): [1..] a binary JSON document. The
 *     output is appended to a buffer already holding 2 bytes: on success the
 *     appended text is valid UTF-8 JSON (strict validator in
 *     binlog_check.h), at most 8 bytes per input byte + 64, the same on a
 *     second run, and a top-level double prints digits that read back as the
 *     same double; on failure the buffer is back at its 2 bytes.
 */
#include <math.h>
#include <string.h>

#include "binlog_check.h"

FUZZ_UBSAN_DEFAULTS

static const uint32_t charsets[4] = {0, 63, 33, 255};

/* ------------------------------------------------------------ mode 0 */

/* The value kind and fixed byte width (0: variable) of a column. */
static void expect(const bv_column *col, int *kinds, size_t *width)
{
    int binary = col->charset == 63 || (col->flags & BV_COL_BINARY);
    int uns = (col->flags & BV_COL_UNSIGNED) != 0;
    unsigned m = col->meta;
    kinds[0] = kinds[1] = kinds[2] = kinds[3] = -1;
    *width = 0;
    switch (col->type) {
    case BV_MYSQL_TYPE_TINY: kinds[0] = uns ? BV_VAL_UINT : BV_VAL_INT; *width = 1; break;
    case BV_MYSQL_TYPE_SHORT: kinds[0] = uns ? BV_VAL_UINT : BV_VAL_INT; *width = 2; break;
    case BV_MYSQL_TYPE_INT24: kinds[0] = uns ? BV_VAL_UINT : BV_VAL_INT; *width = 3; break;
    case BV_MYSQL_TYPE_LONG: kinds[0] = uns ? BV_VAL_UINT : BV_VAL_INT; *width = 4; break;
    case BV_MYSQL_TYPE_LONGLONG: kinds[0] = uns ? BV_VAL_UINT : BV_VAL_INT; *width = 8; break;
    case BV_MYSQL_TYPE_FLOAT: kinds[0] = BV_VAL_FLOAT; *width = 4; break;
    case BV_MYSQL_TYPE_DOUBLE: kinds[0] = BV_VAL_DOUBLE; *width = 8; break;
    case BV_MYSQL_TYPE_NEWDECIMAL:
        kinds[0] = BV_VAL_DECIMAL;
        *width = bv_decimal_bin_size(m >> 8 & 0xff, m & 0xff);
        break;
    case BV_MYSQL_TYPE_NULL: kinds[0] = BV_VAL_NULL; break;
    case BV_MYSQL_TYPE_YEAR: kinds[0] = BV_VAL_YEAR; *width = 1; break;
    case BV_MYSQL_TYPE_DATE:
    case BV_MYSQL_TYPE_NEWDATE: kinds[0] = BV_VAL_DATE; *width = 3; break;
    case BV_MYSQL_TYPE_TIME: kinds[0] = BV_VAL_TIME; *width = 3; break;
    case BV_MYSQL_TYPE_TIME2: kinds[0] = BV_VAL_TIME; *width = 3 + (m + 1) / 2; break;
    case BV_MYSQL_TYPE_DATETIME: kinds[0] = BV_VAL_DATETIME; *width = 8; break;
    case BV_MYSQL_TYPE_DATETIME2: kinds[0] = BV_VAL_DATETIME; *width = 5 + (m + 1) / 2; break;
    case BV_MYSQL_TYPE_TIMESTAMP: kinds[0] = BV_VAL_TIMESTAMP; *width = 4; break;
    case BV_MYSQL_TYPE_TIMESTAMP2: kinds[0] = BV_VAL_TIMESTAMP; *width = 4 + (m + 1) / 2; break;
    case BV_MYSQL_TYPE_VARCHAR:
    case BV_MYSQL_TYPE_VAR_STRING:
    case BV_MYSQL_TYPE_TINY_BLOB:
    case BV_MYSQL_TYPE_MEDIUM_BLOB:
    case BV_MYSQL_TYPE_LONG_BLOB:
    case BV_MYSQL_TYPE_BLOB: kinds[0] = binary ? BV_VAL_BYTES : BV_VAL_STRING; break;
    case BV_MYSQL_TYPE_STRING:
    case BV_MYSQL_TYPE_ENUM:
    case BV_MYSQL_TYPE_SET:
        kinds[0] = BV_VAL_ENUM;
        kinds[1] = BV_VAL_SET;
        kinds[2] = binary ? BV_VAL_BYTES : BV_VAL_STRING;
        break;
    case BV_MYSQL_TYPE_GEOMETRY: kinds[0] = BV_VAL_GEOMETRY; break;
    case BV_MYSQL_TYPE_VECTOR: kinds[0] = BV_VAL_VECTOR; break;
    case BV_MYSQL_TYPE_JSON: kinds[0] = BV_VAL_JSON; break;
    case BV_MYSQL_TYPE_BIT: kinds[0] = BV_VAL_BIT; *width = ((m >> 8) & 0xff) + ((m & 0xff) > 0); break;
    default: break; /* nothing decodes */
    }
}

static void check_value(const bv_column *col, const bv_value *v, const uint8_t *at, size_t used, const uint8_t *in,
                        size_t inlen, bv_buf *enc, bv_buf *enc2)
{
    int kinds[4];
    size_t width;
    expect(col, kinds, &width);
    if (v->kind != kinds[0] && v->kind != kinds[1] && v->kind != kinds[2]) {
        fprintf(stderr, "column type %u meta %u flags %u charset %u: decoded a %s value\n", col->type, col->meta,
                col->flags, col->charset, bv_value_kind_name(v->kind));
        abort();
    }
    if (bv_value_check(v) != BV_OK) {
        fprintf(stderr, "column type %u meta %u: %s value the format cannot store\n", col->type, col->meta,
                bv_value_kind_name(v->kind));
        abort();
    }
    if (width)
        FUZZ_CHECK(used == width);
    else if (col->type != BV_MYSQL_TYPE_NULL)
        FUZZ_CHECK(used > 0);
    switch (v->kind) {
    case BV_VAL_INT:
        if (width < 8) {
            int64_t lim = (int64_t)1 << (width * 8 - 1);
            FUZZ_CHECK(v->v.i >= -lim && v->v.i < lim);
        }
        break;
    case BV_VAL_UINT:
        if (width < 8)
            FUZZ_CHECK(v->v.u >> (width * 8) == 0);
        break;
    case BV_VAL_YEAR:
        FUZZ_CHECK(v->v.u == 0 || (v->v.u >= 1901 && v->v.u <= 2155));
        break;
    /* BIT: the unused high bits of the first byte are passed through (a
     * server writes them as 0), so v.u is not checked against the width. */
    case BV_VAL_DECIMAL: {
        char text[80];
        size_t u2;
        FUZZ_CHECK(bv_decimal_bin_to_text(at, used, col->meta >> 8 & 0xff, col->meta & 0xff, text, sizeof(text),
                                          &u2) == BV_OK);
        FUZZ_CHECK(u2 == used && v->v.s.len == strlen(text) && memcmp(v->v.s.ptr, text, v->v.s.len) == 0);
        FUZZ_CHECK(v->v.s.ptr[v->v.s.len] == 0);
        break;
    }
    case BV_VAL_JSON: {
        if (!fz_json_valid((const uint8_t *)v->v.s.ptr, v->v.s.len)) {
            fprintf(stderr, "JSON column value is not valid UTF-8 JSON text: %.*s\n",
                    (int)(v->v.s.len > 300 ? 300 : v->v.s.len), v->v.s.ptr);
            abort();
        }
        break;
    }
    case BV_VAL_STRING:
    case BV_VAL_BYTES:
    case BV_VAL_GEOMETRY:
    case BV_VAL_VECTOR: {
        const uint8_t *s = (const uint8_t *)v->v.s.ptr;
        int inside = s >= in && s <= in + inlen && v->v.s.len <= (size_t)(in + inlen - s);
        if (inside) {
            /* the bytes of this value, after its length prefix */
            FUZZ_CHECK(s >= at && s + v->v.s.len == at + used);
        } else {
            /* BINARY(n) padded back to n bytes: a copy in the arena (the
             * column type may be ENUM or SET when its metadata says CHAR) */
            FUZZ_CHECK(v->kind == BV_VAL_BYTES &&
                       (col->type == BV_MYSQL_TYPE_STRING || col->type == BV_MYSQL_TYPE_ENUM ||
                        col->type == BV_MYSQL_TYPE_SET));
            FUZZ_CHECK(s[v->v.s.len] == 0);
        }
        fz_touch(s, v->v.s.len);
        break;
    }
    default:
        break;
    }

    /* the format's value codec: encode, decode, encode again */
    bv_buf_reset(enc);
    bv_value_encode(enc, v);
    FUZZ_CHECK(bv_buf_status(enc) == BV_OK);
    bv_cur c = bv_cur_make(enc->data, enc->len);
    bv_value back;
    FUZZ_CHECK(bv_value_decode(&c, &back) == BV_OK && c.left == 0 && back.kind == v->kind);
    bv_buf_reset(enc2);
    bv_value_encode(enc2, &back);
    FUZZ_CHECK(enc2->len == enc->len && memcmp(enc2->data, enc->data, enc->len) == 0);
}

static void run_values(const uint8_t *data, size_t size)
{
    if (size < 5)
        return;
    bv_column col;
    memset(&col, 0, sizeof(col));
    col.name.ptr = "c";
    col.name.len = 1;
    col.type = col.real_type = data[1];
    col.meta = (uint32_t)data[2] | (uint32_t)data[3] << 8;
    if (data[4] & 1)
        col.flags |= BV_COL_UNSIGNED;
    if (data[4] & 2)
        col.flags |= BV_COL_BINARY;
    col.charset = charsets[(data[4] >> 2) & 3];
    if (col.type == BV_MYSQL_TYPE_STRING || col.type == BV_MYSQL_TYPE_ENUM || col.type == BV_MYSQL_TYPE_SET) {
        uint32_t len;
        bv_string_meta(col.meta, &col.real_type, &len);
    }
    if (col.type == BV_MYSQL_TYPE_NEWDECIMAL) {
        col.precision = (uint16_t)(col.meta >> 8);
        col.scale = (uint16_t)(col.meta & 0xff);
    }

    const uint8_t *in = data + 5;
    size_t inlen = size - 5;
    bv_arena arena;
    bv_buf enc, enc2;
    bv_arena_init(&arena);
    bv_buf_init(&enc);
    bv_buf_init(&enc2);
    bv_cur c = bv_cur_make(in, inlen);
    for (int i = 0; i < 64; i++) {
        bv_cur before = c;
        bv_value v;
        char err[300] = "";
        int rc = bv_binlog_value(&c, &col, &arena, &v, err, sizeof(err));
        FUZZ_CHECK(strlen(err) < sizeof(err));
        if (rc != BV_OK) {
            FUZZ_CHECK(rc == BV_E_TRUNCATED || rc == BV_E_DECODE);
            FUZZ_CHECK(c.p == before.p && c.left == before.left);
            if (fz_verbose())
                fprintf(stderr, "  value %d: %s\n", i, err);
            break;
        }
        if (fz_verbose())
            fprintf(stderr, "  value %d: %s, %zu bytes\n", i, bv_value_kind_name(v.kind), before.left - c.left);
        FUZZ_CHECK(c.left <= before.left && c.p == before.p + (before.left - c.left));
        size_t used = before.left - c.left;
        check_value(&col, &v, before.p, used, in, inlen, &enc, &enc2);
        if (used == 0 || c.left == 0)
            break;
    }
    bv_arena_release(&arena);
    bv_buf_release(&enc);
    bv_buf_release(&enc2);
}

/* ------------------------------------------------------------ mode 1 */

static const uint8_t dig2bytes[10] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};

/* Append the nd digits at d as one big-endian group. */
static void put_group(uint8_t *out, size_t *q, const char *d, unsigned nd)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < nd; i++)
        v = v * 10 + (uint32_t)(d[i] - '0');
    for (unsigned i = dig2bytes[nd]; i-- > 0;)
        out[(*q)++] = (uint8_t)(v >> (8 * i));
}

/* MySQL's decimal2bin of a canonical text, written independently of
 * archiver/values.c. */
static size_t decimal_encode(const char *text, unsigned prec, unsigned scale, uint8_t *out)
{
    int neg = text[0] == '-';
    const char *s = text + neg;
    const char *dot = strchr(s, '.');
    size_t ilen = dot ? (size_t)(dot - s) : strlen(s);
    unsigned intg = prec - scale;
    char digits[70];
    FUZZ_CHECK(ilen <= intg || (ilen == 1 && s[0] == '0'));
    memset(digits, '0', sizeof(digits));
    if (!(ilen == 1 && s[0] == '0'))
        memcpy(digits + (intg - ilen), s, ilen);
    if (scale) {
        FUZZ_CHECK(dot && strlen(dot + 1) == scale);
        memcpy(digits + intg, dot + 1, scale);
    }
    size_t q = 0;
    const char *d = digits;
    put_group(out, &q, d, intg % 9);
    d += intg % 9;
    for (unsigned i = 0; i < intg / 9; i++, d += 9)
        put_group(out, &q, d, 9);
    for (unsigned i = 0; i < scale / 9; i++, d += 9)
        put_group(out, &q, d, 9);
    put_group(out, &q, d, scale % 9);
    if (q) {
        out[0] ^= 0x80;
        if (neg)
            for (size_t i = 0; i < q; i++)
                out[i] ^= 0xff;
    }
    return q;
}

static void run_decimal(const uint8_t *data, size_t size)
{
    if (size < 3)
        return;
    unsigned prec = data[1], scale = data[2];
    const uint8_t *p = data + 3;
    size_t n = size - 3, used = 12345;
    char *out = malloc(70);
    FUZZ_CHECK(out != NULL);
    int rc = bv_decimal_bin_to_text(p, n, prec, scale, out, 70, &used);
    if (fz_verbose())
        fprintf(stderr, "  decimal(%u,%u): %s\n", prec, scale, rc ? bv_strerror(rc) : out);
    if (prec > 65 || scale > prec) {
        FUZZ_CHECK(rc == BV_E_DECODE);
        free(out);
        return;
    }
    size_t bsize = bv_decimal_bin_size(prec, scale);
    if (n < bsize) {
        FUZZ_CHECK(rc == BV_E_TRUNCATED);
        free(out);
        return;
    }
    if (rc != BV_OK) {
        FUZZ_CHECK(rc == BV_E_DECODE); /* a digit group out of range */
        free(out);
        return;
    }
    FUZZ_CHECK(used == bsize);
    size_t len = strlen(out);
    FUZZ_CHECK(len < 70);
    /* shape: -?(0|[1-9]D*)(.D{scale})? */
    const char *s = out + (out[0] == '-');
    size_t idig = 0;
    while (s[idig] >= '0' && s[idig] <= '9')
        idig++;
    FUZZ_CHECK(idig >= 1 && (idig == 1 || s[0] != '0'));
    FUZZ_CHECK(s[0] != '0' || idig == 1);
    FUZZ_CHECK(idig <= (prec - scale ? prec - scale : 1));
    if (scale) {
        FUZZ_CHECK(s[idig] == '.');
        for (unsigned i = 0; i < scale; i++)
            FUZZ_CHECK(s[idig + 1 + i] >= '0' && s[idig + 1 + i] <= '9');
        FUZZ_CHECK(s[idig + 1 + scale] == 0);
    } else {
        FUZZ_CHECK(s[idig] == 0);
    }
    int zero = 1;
    for (const char *t = s; *t; t++)
        if (*t >= '1' && *t <= '9')
            zero = 0;
    FUZZ_CHECK(!(zero && out[0] == '-'));
    if (!zero) {
        uint8_t bin[40];
        size_t q = decimal_encode(out, prec, scale, bin);
        FUZZ_CHECK(q == bsize);
        if (memcmp(bin, p, q) != 0) {
            fprintf(stderr, "DECIMAL(%u,%u): %s encodes to other bytes than it was decoded from\n", prec, scale, out);
            abort();
        }
    }
    /* exact buffer sizes */
    char *exact = malloc(len + 1);
    FUZZ_CHECK(exact != NULL);
    FUZZ_CHECK(bv_decimal_bin_to_text(p, n, prec, scale, exact, len + 1, NULL) == BV_OK && strcmp(exact, out) == 0);
    free(exact);
    char *small = malloc(len ? len : 1);
    FUZZ_CHECK(small != NULL);
    FUZZ_CHECK(bv_decimal_bin_to_text(p, n, prec, scale, small, len, NULL) == BV_E_INVAL);
    free(small);
    free(out);
}

/* ------------------------------------------------------------ mode 2 */

static void run_json(const uint8_t *p, size_t n)
{
    bv_buf out, again;
    char err[300] = "";
    bv_buf_init(&out);
    bv_buf_init(&again);
    bv_buf_put(&out, "XY", 2);
    int rc = bv_json_binary_to_text(p, n, &out, err, sizeof(err));
    FUZZ_CHECK(strlen(err) < sizeof(err));
    FUZZ_CHECK(out.len >= 2 && memcmp(out.data, "XY", 2) == 0);
    if (fz_verbose())
        fprintf(stderr, "  json: %s %.*s\n", rc ? err : "ok", rc ? 0 : (int)(out.len - 2 > 200 ? 200 : out.len - 2),
                (const char *)out.data + 2);
    if (rc != BV_OK) {
        FUZZ_CHECK(rc == BV_E_DECODE);
        FUZZ_CHECK(out.len == 2);
        goto done;
    }
    const uint8_t *text = out.data + 2;
    size_t len = out.len - 2;
    if (!fz_json_valid(text, len)) {
        fprintf(stderr, "binary JSON of %zu bytes gives invalid JSON text: %.*s\n", n, (int)(len > 400 ? 400 : len),
                (const char *)text);
        abort();
    }
    FUZZ_CHECK(len <= 8 * n + 64);
    if (n == 0)
        FUZZ_CHECK(len == 4 && memcmp(text, "null", 4) == 0);
    FUZZ_CHECK(bv_json_binary_to_text(p, n, &again, NULL, 0) == BV_OK);
    FUZZ_CHECK(again.len == len && memcmp(again.data, text, len) == 0);
    if (n >= 9 && p[0] == 0x0b) { /* a double document */
        uint64_t u = bv_rd64(p + 1);
        double d, back;
        char tmp[64];
        memcpy(&d, &u, sizeof(d));
        FUZZ_CHECK(len < sizeof(tmp));
        memcpy(tmp, text, len);
        tmp[len] = 0;
        back = strtod(tmp, NULL);
        if (!(back == d && signbit(back) == signbit(d))) {
            fprintf(stderr, "binary JSON double %.17g printed as %s\n", d, tmp);
            abort();
        }
    }
done:
    bv_buf_release(&out);
    bv_buf_release(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    switch (data[0] % 3) {
    case 0: run_values(data, size); break;
    case 1: run_decimal(data, size); break;
    default: run_json(data + 1, size - 1); break;
    }
    return 0;
}
