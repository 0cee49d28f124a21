#include "mt19937.h"

void pp_mt_seed(pp_mt19937 *mt, uint32_t seed)
{
    mt->state[0] = seed;
    for (int i = 1; i < PP_MT_N; i++)
        mt->state[i] = 1812433253u * (mt->state[i - 1] ^ (mt->state[i - 1] >> 30)) + (uint32_t)i;
    mt->next = PP_MT_N;
    mt->has_normal = false;
    mt->normal = 0;
}

static void twist(pp_mt19937 *mt)
{
    enum { M = 397 };
    uint32_t *s = mt->state;
    for (int i = 0; i < PP_MT_N; i++) {
        uint32_t y = (s[i] & 0x80000000u) | (s[(i + 1) % PP_MT_N] & 0x7fffffffu);
        s[i] = s[(i + M) % PP_MT_N] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
    }
    mt->next = 0;
}

uint32_t pp_mt_u32(pp_mt19937 *mt)
{
    if (mt->next >= PP_MT_N)
        twist(mt);
    uint32_t y = mt->state[mt->next++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}
