#include "cli_interrupt.h"

#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "atomic_file.h"
#include "temp_files.h"

static volatile sig_atomic_t pending = 0;

static void on_signal(int sig)
{
    if (!pending) {
        pending = sig;
        return;
    }
    /* Second signal: only async-signal-safe calls from here on. */
    pp_temp_files_unlink_all();
    signal(sig, SIG_DFL);
    raise(sig);
}

int pp_cli_interrupted(void)
{
    return pending;
}

bool pp_cli_interrupt_cancel(void *ctx)
{
    (void)ctx;
    return pending != 0;
}

void pp_cli_interrupt_install(void)
{
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    const int signals[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        struct sigaction old;
        /* ignored on entry (nohup, a script's background job): stays ignored */
        if (sigaction(signals[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue;
        sigaction(signals[i], &sa, NULL);
    }
    pp_atomic_set_cancel(pp_cli_interrupt_cancel, NULL);
}

void pp_cli_interrupt_finish(void)
{
    int sig = pending;
    if (!sig)
        return;
    fflush(NULL);
    signal(sig, SIG_DFL);
    raise(sig);
}
