/* torch 1.13's CPU random draws (as torchvision's transforms use them), on an
 * MT19937 stream: after pp_mt_seed(S) these replay torch.manual_seed(S). */
#ifndef PP_TORCH_DRAWS_H
#define PP_TORCH_DRAWS_H

#include "mt19937.h"

/* torch.randint(n, (1,)).item(): one word modulo n */
int pp_torch_randint(pp_mt19937 *mt, int n);
/* torch.rand(1) as float32: 24 bits of one word */
float pp_torch_rand_float(pp_mt19937 *mt);
/* a double uniform in [0, 1): 53 bits of two words, the first the high one */
double pp_torch_uniform_double(pp_mt19937 *mt);
/* at::normal_distribution<double>: Box-Muller with the generator's cache */
double pp_torch_normal(pp_mt19937 *mt);
/* torch._sample_dirichlet on a float32 row of k concentrations alpha >= 1
 * (Marsaglia-Tsang gammas in double, normalised, cast and clamped) */
void pp_torch_dirichlet(pp_mt19937 *mt, const float *alpha, int k, float *out);

#endif
