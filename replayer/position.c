/* Replay position text (position.h). */
#include "position.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"

int bv_rp_position_parse(const char *text, const char *what, char *file, size_t filelen, uint64_t *off, char *err,
                         size_t errlen)
{
    const char *pf = strstr(text, "\"file\":\""), *po = strstr(text, "\"offset\":");
    if (!pf || !po)
        return bv_seterr(err, errlen, BV_E_CORRUPT, "%s: not a binvault-replayer position", what);
    pf += 8;
    const char *q = strchr(pf, '"');
    if (!q || q == pf || (size_t)(q - pf) >= filelen)
        return bv_seterr(err, errlen, BV_E_CORRUPT, "%s: bad file name", what);
    const char *digits = po + 9;
    if (*digits < '0' || *digits > '9')
        return bv_seterr(err, errlen, BV_E_CORRUPT, "%s: bad offset", what);
    char *end;
    errno = 0;
    unsigned long long v = strtoull(digits, &end, 10);
    if (errno || end == digits)
        return bv_seterr(err, errlen, BV_E_CORRUPT, "%s: bad offset", what);
    memcpy(file, pf, (size_t)(q - pf));
    file[q - pf] = 0;
    *off = v;
    return BV_OK;
}
