/* Numbers in machine-readable outputs, spelled one way everywhere:
 * JSON has no NaN or infinity (and jansson's json_real returns NULL for them,
 * which silently drops the key), so non-finite numbers are written as null;
 * CSV writes them as nan, inf and -inf (never printf's -nan). */
#ifndef PP_NUMBER_TEXT_H
#define PP_NUMBER_TEXT_H

#include <jansson.h>
#include <stddef.h>

/* A JSON number, or null when v is NaN or infinite. */
json_t *pp_json_number(double v);

/* v, but a NaN without its sign bit (x86's 0/0 sets it), so that printf
 * writes nan (or +nan with %+f), never -nan, in text tables. */
double pp_number_unsigned_nan(double v);

/* v with `decimals` digits after the point ("%.*f"), or nan / inf / -inf.
 * Returns buf. */
const char *pp_csv_number(char *buf, size_t size, double v, int decimals);

#endif
