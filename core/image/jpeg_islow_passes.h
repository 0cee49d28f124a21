/* The islow DCT round trip of jpeg_lossy.c for one vector width, included there
 * once per width (eight int32 lanes: one 8x8 block; sixteen: two blocks side by
 * side, lanes 0-7 and 8-15), so both widths run the same integer steps. The
 * includer defines
 *   PASS_V        the vector type: int32 lanes as uint32 (GCC vector extension)
 *   PASS_S        the same lanes signed (for arithmetic shifts)
 *   PASS_ISA      the target attribute of the instance's functions
 *   PASS_NAME(f)  the instance's name for f
 * and these helpers, named by PASS_NAME:
 *   mul(x, c)     lane * c by pmulld
 *   madd(x, v)    pmaddwd of x by v (the lane's high half is x's sign, met by a zero)
 *   row(p)        the table row p[0..7] in every block's lanes
 *   abs(x), sign_of(m, x)  |x|; m negated where x < 0 (pabsd, psignd where there is one)
 *   load_t(d, p0, p1, stride), store_t(d, p0, p1, stride)
 *                 the blocks at p0 (and p1, on the second eight lanes) <-> d[column]
 *                 (lane r of d[k] is sample (r, k): loaded and stored transposed)
 *   transpose(d)  each block's 8x8 transposed
 *   dc_only(d0, ac, p0, p1, stride)
 *                 when no block has an AC coefficient (ac: their OR, d0: row 0),
 *                 the blocks filled with their DC values and true. */

/* x * c for |x|, |c| < 2^15: one pmaddwd, cheaper than pmulld. The passes use it
 * where the operand is bounded: samples of 8 bits, sums of up to four of the first
 * pass's outputs (|v| <= 4096) and the dequantised coefficients (|k q| <= 1024 + q / 2). */
PASS_ISA static inline PASS_V PASS_NAME(mul16)(PASS_V x, int32_t c)
{
    return PASS_NAME(madd)(x, (PASS_V){} + (c & 0xffff));
}

/* mul or mul16, chosen per call site by a constant */
PASS_ISA static inline PASS_V PASS_NAME(mulb)(PASS_V x, int32_t c, bool narrow)
{
    return narrow ? PASS_NAME(mul16)(x, c) : PASS_NAME(mul)(x, c);
}

PASS_ISA static inline PASS_V PASS_NAME(descale)(PASS_V x, int n)
{
    return (PASS_V)((PASS_S)(x + (1u << (n - 1))) >> n);
}

/* The odd part both islow passes share (LL&M's rotations; the FDCT's tmp4..7,
 * the IDCT's tmp0..3): o[0..3] -> their four sums, before descaling. narrow: the
 * products of up to four inputs fit pmaddwd; narrow_z5: those of eight too. */
PASS_ISA static inline void PASS_NAME(odd_part)(PASS_V o[4], bool narrow, bool narrow_z5)
{
    PASS_V z1 = o[0] + o[3], z2 = o[1] + o[2], z3 = o[0] + o[2], z4 = o[1] + o[3];
    PASS_V z5 = PASS_NAME(mulb)(z3 + z4, F_1_175, narrow_z5);
    z1 = PASS_NAME(mulb)(z1, -F_0_899, narrow);
    z2 = PASS_NAME(mulb)(z2, -F_2_562, narrow);
    z3 = PASS_NAME(mulb)(z3, -F_1_961, narrow) + z5;
    z4 = PASS_NAME(mulb)(z4, -F_0_390, narrow) + z5;
    o[0] = PASS_NAME(mulb)(o[0], F_0_298, narrow) + (z1 + z3);
    o[1] = PASS_NAME(mulb)(o[1], F_2_053, narrow) + (z2 + z4);
    o[2] = PASS_NAME(mulb)(o[2], F_3_072, narrow) + (z2 + z3);
    o[3] = PASS_NAME(mulb)(o[3], F_1_501, narrow) + (z1 + z4);
}

/* jpeg_fdct_islow's 1-D pass on eight lines at once (d[k] = sample k of every
 * line): the first pass keeps PASS1_BITS = 2 extra bits, the second removes them. */
PASS_ISA static inline void PASS_NAME(fdct_1d)(PASS_V d[8], bool first)
{
    PASS_V tmp0 = d[0] + d[7], tmp7 = d[0] - d[7], tmp1 = d[1] + d[6], tmp6 = d[1] - d[6];
    PASS_V tmp2 = d[2] + d[5], tmp5 = d[2] - d[5], tmp3 = d[3] + d[4], tmp4 = d[3] - d[4];
    PASS_V tmp10 = tmp0 + tmp3, tmp13 = tmp0 - tmp3, tmp11 = tmp1 + tmp2, tmp12 = tmp1 - tmp2;
    int n = first ? 13 - 2 : 13 + 2;
    if (first) {
        d[0] = (tmp10 + tmp11) << 2;
        d[4] = (tmp10 - tmp11) << 2;
    } else {
        d[0] = PASS_NAME(descale)(tmp10 + tmp11, 2);
        d[4] = PASS_NAME(descale)(tmp10 - tmp11, 2);
    }
    /* first pass: sums of 8-bit samples; second: tmp12 + tmp13 and z3 + z4 add
     * eight outputs of the first (up to 8 x 4096), the rest at most four */
    PASS_V z1 = PASS_NAME(mulb)(tmp12 + tmp13, F_0_541, first);
    d[2] = PASS_NAME(descale)(z1 + PASS_NAME(mul16)(tmp13, F_0_765), n);
    d[6] = PASS_NAME(descale)(z1 + PASS_NAME(mul16)(tmp12, -F_1_847), n);
    PASS_V o[4] = {tmp4, tmp5, tmp6, tmp7};
    PASS_NAME(odd_part)(o, true, first);
    d[7] = PASS_NAME(descale)(o[0], n);
    d[5] = PASS_NAME(descale)(o[1], n);
    d[3] = PASS_NAME(descale)(o[2], n);
    d[1] = PASS_NAME(descale)(o[3], n);
}

/* jpeg_idct_islow's 1-D pass on eight lines (its zero-AC shortcuts give the
 * same values as the full formula, so there are none here). */
PASS_ISA static inline void PASS_NAME(idct_1d)(PASS_V d[8], bool first)
{
    int n = first ? 13 - 2 : 13 + 2 + 3;
    /* first pass: dequantised coefficients (sums of up to four fit pmaddwd);
     * second: the first's outputs, unbounded enough to keep pmulld */
    PASS_V z2 = d[2], z3 = d[6];
    PASS_V z1 = PASS_NAME(mulb)(z2 + z3, F_0_541, first);
    PASS_V tmp2 = z1 + PASS_NAME(mulb)(z3, -F_1_847, first);
    PASS_V tmp3 = z1 + PASS_NAME(mulb)(z2, F_0_765, first);
    PASS_V tmp0 = (d[0] + d[4]) << 13, tmp1 = (d[0] - d[4]) << 13;
    PASS_V tmp10 = tmp0 + tmp3, tmp13 = tmp0 - tmp3, tmp11 = tmp1 + tmp2, tmp12 = tmp1 - tmp2;
    PASS_V o[4] = {d[7], d[5], d[3], d[1]};
    PASS_NAME(odd_part)(o, first, first);
    d[0] = PASS_NAME(descale)(tmp10 + o[3], n);
    d[7] = PASS_NAME(descale)(tmp10 - o[3], n);
    d[1] = PASS_NAME(descale)(tmp11 + o[2], n);
    d[6] = PASS_NAME(descale)(tmp11 - o[2], n);
    d[2] = PASS_NAME(descale)(tmp12 + o[1], n);
    d[5] = PASS_NAME(descale)(tmp12 - o[1], n);
    d[3] = PASS_NAME(descale)(tmp13 + o[0], n);
    d[4] = PASS_NAME(descale)(tmp13 - o[0], n);
}

/* The blocks (d[u] lane v = coefficient (u, v)) quantised by reciprocal and
 * dequantised in place; returns the OR of rows 1..7 (row 0's AC the caller's). */
PASS_ISA static inline PASS_V PASS_NAME(quantise)(PASS_V d[8], const quant_table *t)
{
    PASS_V rest = {};
    for (int u = 0; u < 8; u++) {
        PASS_V x = d[u];
        PASS_V k = (PASS_NAME(abs)(x) + PASS_NAME(row)(t->corr + 8 * u)) * PASS_NAME(row)(t->recip + 8 * u);
        PASS_V m = PASS_NAME(sign_of)(k >> PASS_NAME(row)(t->shift + 8 * u), x);
        d[u] = PASS_NAME(madd)(m, PASS_NAME(row)(t->q + 8 * u)); /* |m| <= 2048, q <= 255 */
        if (u)
            rest |= d[u];
    }
    return rest;
}

/* The blocks through DCT, quantiser and back, in place. */
PASS_ISA static void PASS_NAME(block_roundtrip)(uint8_t *p0, uint8_t *p1, size_t stride, const quant_table *t)
{
    PASS_V d[8];
    PASS_NAME(load_t)(d, p0, p1, stride); /* rows first: lanes are the rows */
    PASS_NAME(fdct_1d)(d, true);
    PASS_NAME(transpose)(d);
    PASS_NAME(fdct_1d)(d, false);
    PASS_V rest = PASS_NAME(quantise)(d, t);
    if (PASS_NAME(dc_only)(d[0], rest, p0, p1, stride))
        return;
    PASS_NAME(idct_1d)(d, true); /* columns first: lanes are the columns */
    PASS_NAME(transpose)(d);
    PASS_NAME(idct_1d)(d, false);
    PASS_NAME(store_t)(d, p0, p1, stride);
}
