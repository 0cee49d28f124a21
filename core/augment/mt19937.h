/* MT19937, the generator behind numpy's legacy RandomState and torch's CPU
 * default generator. Seeding an augmentation with S here gives the same draws
 * as np.random.seed(S) or torch.manual_seed(S), so the augmentations can be
 * checked bit for bit against the reference code. Sequential by nature: one
 * generator per sample, never shared between threads. */
#ifndef PP_MT19937_H
#define PP_MT19937_H

#include <stdbool.h>
#include <stdint.h>

#define PP_MT_N 624

typedef struct {
    uint32_t state[PP_MT_N];
    int next;
    /* torch's Box-Muller cache (at::normal_distribution<double> keeps the
     * second value in the generator); cleared by seeding, as manual_seed does */
    bool has_normal;
    double normal;
} pp_mt19937;

/* init_genrand(seed) */
void pp_mt_seed(pp_mt19937 *mt, uint32_t seed);
uint32_t pp_mt_u32(pp_mt19937 *mt);

#endif
