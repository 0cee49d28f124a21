/* numpy's legacy RandomState draws (as the official AugMix code uses them),
 * on an MT19937 stream. Each function consumes exactly the uint32 words numpy
 * does, so a sequence of calls replays np.random after np.random.seed(S). */
#ifndef PP_NUMPY_DRAWS_H
#define PP_NUMPY_DRAWS_H

#include "mt19937.h"

/* np.random.random(): 53 bits from two words */
double pp_np_random(pp_mt19937 *mt);
/* np.random.uniform(lo, hi) */
double pp_np_uniform(pp_mt19937 *mt, double lo, double hi);
/* np.random.randint(lo, hi): masked rejection, hi > lo */
int pp_np_randint(pp_mt19937 *mt, int lo, int hi);
/* np.random.dirichlet([1] * k) into out (k) */
void pp_np_dirichlet_ones(pp_mt19937 *mt, double *out, int k);
/* np.random.beta(1, 1) (Johnk's algorithm, as numpy's legacy beta for a, b <= 1) */
double pp_np_beta_one_one(pp_mt19937 *mt);

#endif
