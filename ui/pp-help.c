#include "pp-help.h"

#include <adwaita.h>
#include <stdarg.h>

static const struct {
    const char *key, *term, *text;
} glossary[] = {
    {"push", "Push kernel W",
     "The first layer's ordinary, trained convolution kernel: it responds to the pattern it has learned (an edge, "
     "a blob, a colour contrast)."},
    {"pull", "Pull kernel P",
     "The push kernel's complement, P = −W + (max W + min W): it responds to the same pattern with the opposite "
     "contrast. Its rectified response, averaged over a 3×3 or 5×5 box (pull pooling), inhibits the push response."},
    {"alpha", "α (inhibition strength)",
     "How much of the pooled pull response is subtracted from the push response, learned per channel. "
     "α = 0 switches the inhibition off: the unit is a plain convolution."},
    {"effective", "Effective kernel",
     "effective = W − α·(P∗box): the single kernel that one push-pull channel acts like on linear input, "
     "shown so the inhibition can be seen as a change of the kernel."},
    {"fft", "|FFT| (spectrum)",
     "The magnitude of a kernel's 2-D Fourier transform, zero-padded to 64×64, log scale in dB, DC (the mean) at "
     "the centre and the highest frequencies (Nyquist) at the edges; the radial profile averages it over rings."},
    {"band", "Low-, band- and high-pass labels", PP_BAND_RULE " (core/analysis/spectrum.h)."},
    {"snr", "SNR (signal-to-noise ratio)",
     "Of a first-layer response r: 10·log10(Σ r(clean)² / Σ (r(corrupted) − r(clean))²) in dB, pooled over "
     "channels. Higher means the corruption disturbs the response less; a clean image gives +∞."},
    {"ce", "CE (corruption error)",
     "A model's top-1 errors on one corruption summed over the five severities, divided by the same sum for the "
     "baseline (the starred model). Below 100 % is more robust than the baseline."},
    {"mce", "mCE (mean corruption error)", "The mean of the CE over the 15 benchmark corruptions."},
    {"relative-ce", "Relative CE and relative mCE",
     "Like CE, but each error minus the clean error first: how much a model degrades, not how often it is wrong."},
    {"rnet", "R_net",
     "The paper's single robustness score (Sec. 5.2): R_net = (R_E + β·R_mCE) / 2 with R_E = (E_base − E)/E_base, "
     "R_mCE = (mCE_base − mCE)/mCE_base and β = mCE_base / E_base by default. Positive: better than the baseline."},
    {"severity", "Severity",
     "How strong a corruption is: 0 is the clean image, 1…5 the five published levels of ImageNet-C / CIFAR-10-C, "
     "values in between interpolate the parameters."},
    {"preset", "Preset",
     "Which published parameter set a corruption uses: ImageNet-C (for pictures around 224 px) or CIFAR-10-C "
     "(32 px); auto picks CIFAR below 85 px. Sizes are scaled to the image."},
};

const char *pp_help_term(const char *key)
{
    for (size_t i = 0; i < G_N_ELEMENTS(glossary); i++)
        if (g_str_equal(glossary[i].key, key))
            return glossary[i].text;
    return NULL;
}

void pp_help_set_tooltip(GtkWidget *widget, ...)
{
    GString *s = g_string_new(NULL);
    va_list ap;
    va_start(ap, widget);
    for (const char *key = va_arg(ap, const char *); key; key = va_arg(ap, const char *))
        for (size_t i = 0; i < G_N_ELEMENTS(glossary); i++)
            if (g_str_equal(glossary[i].key, key))
                g_string_append_printf(s, "%s%s: %s", s->len ? "\n\n" : "", glossary[i].term, glossary[i].text);
    va_end(ap);
    gtk_widget_set_tooltip_text(widget, s->str);
    g_string_free(s, TRUE);
}

static GtkWidget *label(const char *markup, const char *css)
{
    GtkWidget *l = gtk_label_new(NULL);
    gtk_label_set_markup(GTK_LABEL(l), markup);
    gtk_label_set_wrap(GTK_LABEL(l), TRUE);
    gtk_label_set_xalign(GTK_LABEL(l), 0);
    gtk_label_set_selectable(GTK_LABEL(l), FALSE); /* selectable labels take the focus with all their text selected */
    if (css)
        gtk_widget_add_css_class(l, css);
    return l;
}

void pp_help_show(GtkWindow *parent)
{
    GtkWidget *win = adw_window_new();
    gtk_window_set_title(GTK_WINDOW(win), "PushPull Studio Help");
    gtk_window_set_transient_for(GTK_WINDOW(win), parent);
    gtk_window_set_default_size(GTK_WINDOW(win), 640, 560);
    gtk_window_set_destroy_with_parent(GTK_WINDOW(win), TRUE);
    GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);
    gtk_box_append(GTK_BOX(box), adw_header_bar_new());
    GtkWidget *scroll = gtk_scrolled_window_new();
    gtk_scrolled_window_set_policy(GTK_SCROLLED_WINDOW(scroll), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
    gtk_widget_set_vexpand(scroll, TRUE);
    GtkWidget *clamp = adw_clamp_new();
    adw_clamp_set_maximum_size(ADW_CLAMP(clamp), 720);
    GtkWidget *page = gtk_box_new(GTK_ORIENTATION_VERTICAL, 8);
    gtk_widget_set_margin_start(page, 18);
    gtk_widget_set_margin_end(page, 18);
    gtk_widget_set_margin_top(page, 18);
    gtk_widget_set_margin_bottom(page, 18);
    gtk_box_append(GTK_BOX(page), label("What the studio shows", "title-2"));
    gtk_box_append(GTK_BOX(page),
                   label("A PushPull ResNet's first layer pairs every trained <b>push</b> kernel with its "
                         "complementary <b>pull</b> kernel; the pull response inhibits the push response where "
                         "both answer alike (noise, texture without the learned pattern), which makes the network "
                         "more robust to image corruptions. <b>Kernels</b> (Alt+1) shows the kernels, "
                         "<b>Spectra</b> (Alt+2) their frequencies, <b>Probe</b> (Alt+3) one image under a "
                         "corruption, <b>Jobs</b> (Alt+4) a whole benchmark evaluation against the starred baseline.",
                         NULL));
    gtk_box_append(GTK_BOX(page), label("Terms", "title-4"));
    for (size_t i = 0; i < G_N_ELEMENTS(glossary); i++) {
        char *t = g_markup_printf_escaped("<b>%s</b>", glossary[i].term);
        GtkWidget *term = label(t, NULL);
        gtk_widget_set_margin_top(term, 6);
        gtk_box_append(GTK_BOX(page), term);
        char *d = g_markup_escape_text(glossary[i].text, -1);
        gtk_box_append(GTK_BOX(page), label(d, NULL));
        g_free(t);
        g_free(d);
    }
    gtk_box_append(GTK_BOX(page), label("The paper", "title-4"));
    char *cite = g_markup_printf_escaped("%s", PP_PAPER_CITE);
    gtk_box_append(GTK_BOX(page), label(cite, NULL));
    g_free(cite);
    GtkWidget *link = gtk_link_button_new_with_label(PP_PAPER_URI, "Read the paper on arXiv");
    gtk_widget_set_halign(link, GTK_ALIGN_START);
    gtk_box_append(GTK_BOX(page), link);
    adw_clamp_set_child(ADW_CLAMP(clamp), page);
    gtk_scrolled_window_set_child(GTK_SCROLLED_WINDOW(scroll), clamp);
    gtk_box_append(GTK_BOX(box), scroll);
    adw_window_set_content(ADW_WINDOW(win), box);
    gtk_window_present(GTK_WINDOW(win));
}
