#include "metrics.h"

#include <math.h>
#include <string.h>

const char *const pp_benchmark_corruptions[PP_BENCHMARK_CORRUPTIONS] = {
    "gaussian_noise", "shot_noise", "impulse_noise", "defocus_blur", "glass_blur",
    "motion_blur", "zoom_blur", "snow", "frost", "fog",
    "brightness", "contrast", "elastic_transform", "pixelate", "jpeg_compression",
};

const double pp_alexnet_errors[PP_BENCHMARK_CORRUPTIONS] = {
    0.886428, 0.894468, 0.922640, 0.819880, 0.826268, 0.785948, 0.798360, 0.866816,
    0.826572, 0.819324, 0.564592, 0.853204, 0.646056, 0.717840, 0.606500,
};

pp_freq_group pp_corruption_group(int i)
{
    /* low = frost, fog, brightness, contrast; mid = glass, motion, zoom, snow,
     * elastic; high = the rest (the paper's Sec. 5.3). */
    switch (i) {
    case 8: case 9: case 10: case 11: return PP_GROUP_LOW;
    case 4: case 5: case 6: case 7: case 12: return PP_GROUP_MID;
    default: return PP_GROUP_HIGH;
    }
}

const char *pp_freq_group_name(pp_freq_group g)
{
    return g == PP_GROUP_LOW ? "low" : g == PP_GROUP_MID ? "mid" : "high";
}

int pp_benchmark_index(const char *name)
{
    for (int i = 0; i < PP_BENCHMARK_CORRUPTIONS; i++)
        if (strcmp(name, pp_benchmark_corruptions[i]) == 0)
            return i;
    return -1;
}

static double severity_sum(const double *e)
{
    return e[0] + e[1] + e[2] + e[3] + e[4];
}

pp_status pp_ce_summarize(const pp_error_table *model, const pp_normalizer *norm, pp_ce_summary *out,
                          pp_error *err)
{
    double group_sum[3] = {0}, ce_sum = 0, rel_sum = 0;
    int group_n[3] = {0}, used = 0, rel_used = 0;
    for (int c = 0; c < PP_BENCHMARK_CORRUPTIONS; c++) {
        out->ce[c] = out->relative_ce[c] = NAN;
        bool base_has = !norm->table || norm->table->has[c];
        if (!model->has[c] || !base_has)
            continue;
        double base = norm->table ? severity_sum(norm->table->error[c]) : 5 * pp_alexnet_errors[c];
        if (!(base > 0))
            return pp_fail(err, PP_ERR_ARG, "the normaliser's error on %s is zero: CE is undefined",
                           pp_benchmark_corruptions[c]);
        out->ce[c] = severity_sum(model->error[c]) / base;
        ce_sum += out->ce[c];
        used++;
        pp_freq_group g = pp_corruption_group(c);
        group_sum[g] += out->ce[c];
        group_n[g]++;
        if (norm->table) {
            double denom = base - 5 * norm->table->clean_error;
            if (denom > 0) {
                out->relative_ce[c] = (severity_sum(model->error[c]) - 5 * model->clean_error) / denom;
                rel_sum += out->relative_ce[c];
                rel_used++;
            }
        }
    }
    if (used == 0)
        return pp_fail(err, PP_ERR_ARG, "no benchmark corruption was evaluated for both the model and the normaliser");
    out->corruptions_used = used;
    out->mce = ce_sum / used;
    out->relative_mce = rel_used ? rel_sum / rel_used : NAN;
    for (int g = 0; g < 3; g++)
        out->group_ce[g] = group_n[g] ? group_sum[g] / group_n[g] : NAN;
    return PP_OK;
}

pp_rnet pp_rnet_compute(double e_base, double mce_base, double e_model, double mce_model, double beta)
{
    pp_rnet r;
    r.r_e = (e_base - e_model) / e_base;
    r.r_mce = (mce_base - mce_model) / mce_base;
    r.beta = beta > 0 ? beta : mce_base / e_base;
    r.r_net = (r.r_e + r.beta * r.r_mce) / 2;
    return r;
}
