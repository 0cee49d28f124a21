#include "stability.h"

#include <math.h>
#include <string.h>

#include "../perturb/perturbation.h"

/* argmax, the first maximum winning (numpy). */
static int top1(const float *row, int classes)
{
    int best = 0;
    for (int k = 1; k < classes; k++)
        if (row[k] > row[best])
            best = k;
    return best;
}

/* Does class a rank before class b (larger logit; on ties the lower index)? */
static inline bool before(const float *row, int a, int b)
{
    return row[a] > row[b] || (row[a] == row[b] && a < b);
}

/* The 5 best classes of row in rank order (partial selection). */
static void top5(const float *row, int classes, int out[5])
{
    int n = 0;
    for (int k = 0; k < classes; k++) {
        if (n == 5 && !before(row, k, out[4]))
            continue;
        int j = n < 5 ? n++ : 4;
        while (j > 0 && before(row, k, out[j - 1])) {
            out[j] = out[j - 1];
            j--;
        }
        out[j] = k;
    }
}

/* test.py's dist(sigma, 'top5'): sum over a's top 5 of |r - min(rank in b - 1, 5)|. */
static double top5_distance(const float *a, const float *b, int classes)
{
    int best[5];
    top5(a, classes, best);
    double d = 0;
    for (int r = 0; r < 5; r++) {
        int c = best[r], above = 0; /* classes b ranks before c, counted up to 5 */
        for (int k = 0; k < classes && above < 5; k++)
            above += k != c && before(b, k, c);
        d += fabs((double)(r - above));
    }
    return d;
}

pp_status pp_sequence_stability_compute(const float *logits, int frames, int classes, bool against_first,
                                        int difficulty, pp_sequence_stability *out, pp_error *err)
{
    *out = (pp_sequence_stability){0};
    if (classes < 1 || frames < 2)
        return pp_fail(err, PP_ERR_SHAPE, "a stability sequence needs 2 or more frames and classes (%d frames, %d classes)",
                       frames, classes);
    int d = against_first ? 1 : difficulty;
    if (d < 1 || d >= frames)
        return pp_fail(err, PP_ERR_ARG, "difficulty %d needs more than %d frames", difficulty, frames);
    double flips = 0, dist = 0;
    int pairs = 0, f0 = top1(logits, classes);
    bool consistent = true;
    for (int j = 1; j < frames; j++)
        consistent = consistent && top1(logits + (size_t)j * classes, classes) == f0;
    for (int j = d; j < frames; j++) {
        int a = against_first ? 0 : j - d;
        const float *ra = logits + (size_t)a * classes, *rb = logits + (size_t)j * classes;
        flips += top1(ra, classes) != top1(rb, classes);
        if (classes >= 6)
            dist += top5_distance(ra, rb, classes);
        pairs++;
    }
    out->flip = flips / pairs;
    out->top5 = classes >= 6 ? dist / pairs : NAN;
    out->consistent = consistent;
    out->pairs = pairs;
    return PP_OK;
}

void pp_stability_counts_add(pp_stability_counts *c, const pp_sequence_stability *s, int frames)
{
    c->flip_sum += s->flip;
    c->top5_sum += s->top5;
    c->sequences++;
    c->consistent += s->consistent;
    c->frames += frames;
}

void pp_stability_counts_merge(pp_stability_counts *into, const pp_stability_counts *c)
{
    into->flip_sum += c->flip_sum;
    into->top5_sum += c->top5_sum;
    into->sequences += c->sequences;
    into->consistent += c->consistent;
    into->frames += c->frames;
}

double pp_stability_flip_probability(const pp_stability_counts *c)
{
    return c->sequences > 0 ? c->flip_sum / (double)c->sequences : NAN;
}

double pp_stability_top5_distance(const pp_stability_counts *c)
{
    return c->sequences > 0 ? c->top5_sum / (double)c->sequences : NAN;
}

double pp_stability_repeatability(const pp_stability_counts *c)
{
    return c->sequences > 0 ? (double)c->consistent / (double)c->sequences : NAN;
}

static const pp_stability_row *find_row(const pp_stability_row *rows, int n, const char *name)
{
    for (int i = 0; rows && i < n; i++)
        if (strcmp(rows[i].name, name) == 0)
            return &rows[i];
    return NULL;
}

pp_status pp_stability_summarize(const pp_stability_row *model, int n, const pp_stability_row *baseline, int nb,
                                 pp_stability_summary *out, pp_error *err)
{
    if (n > PP_STABILITY_MAX_ROWS)
        return pp_fail(err, PP_ERR_ARG, "at most %d perturbations in a summary", PP_STABILITY_MAX_ROWS);
    double fr_sum = 0, t5_sum = 0, fp_sum = 0, rep_sum = 0;
    int fr_n = 0, t5_n = 0, fp_n = 0, rep_n = 0;
    for (int i = 0; i < n; i++) {
        const pp_stability_row *b = find_row(baseline, nb, model[i].name);
        out->fr[i] = b && b->fp > 0 ? model[i].fp / b->fp : NAN;
        out->t5d[i] = b && b->t5d > 0 ? model[i].t5d / b->t5d : NAN;
        const pp_perturbation *p = pp_perturbation_find(model[i].name);
        if (p && p->set == PP_PERTURB_TEST) {
            if (!isnan(out->fr[i]))
                fr_sum += out->fr[i], fr_n++;
            if (!isnan(out->t5d[i]))
                t5_sum += out->t5d[i], t5_n++;
            if (!isnan(model[i].fp))
                fp_sum += model[i].fp, fp_n++;
        }
        if (p && p->set == PP_PERTURB_REPEATABILITY && !isnan(model[i].repeatability))
            rep_sum += model[i].repeatability, rep_n++;
    }
    out->mfr = fr_n ? fr_sum / fr_n : NAN;
    out->mt5d = t5_n ? t5_sum / t5_n : NAN;
    out->test_used = fr_n;
    out->t5d_used = t5_n;
    out->mean_fp = fp_n ? fp_sum / fp_n : NAN;
    out->repeatability = rep_n ? rep_sum / rep_n : NAN;
    double cifar = 0;
    int cifar_n = 0;
    for (int k = 0; k < PP_CIFAR_P_MEAN_COUNT; k++) {
        const pp_stability_row *r = find_row(model, n, pp_cifar_p_mean_set[k]);
        if (r && !isnan(r->fp))
            cifar += r->fp, cifar_n++;
    }
    out->cifar_mean_fp = cifar_n == PP_CIFAR_P_MEAN_COUNT ? cifar / cifar_n : NAN;
    return PP_OK;
}
