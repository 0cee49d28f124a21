#include "number_text.h"

#include <math.h>
#include <stdio.h>

json_t *pp_json_number(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

double pp_number_unsigned_nan(double v)
{
    return isnan(v) ? fabs(v) : v;
}

const char *pp_csv_number(char *buf, size_t size, double v, int decimals)
{
    if (isnan(v))
        snprintf(buf, size, "nan");
    else if (isinf(v))
        snprintf(buf, size, "%s", v > 0 ? "inf" : "-inf");
    else
        snprintf(buf, size, "%.*f", decimals, v);
    return buf;
}
