/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The signal thread: sigwait, then a flag and cancelled calls. */
#include "client-cli/cli_signal.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>

#include "common/err.h"

#define MAX_WATCHED 4

static atomic_int signalled;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct cli_conn *watched[MAX_WATCHED];
static int notify_fd = -1;

static void cancel_all(void);

static void *
waiter(void *arg)
{
	sigset_t *set = arg;
	int sig = 0;

	while (sigwait(set, &sig) != 0) {
	}
	atomic_store(&signalled, 1);
	cancel_all();
	/* A second signal ends the process at once: every state change is
	 * committed before it is relied on, so that is safe, and it is
	 * what a person pressing ^C twice means. */
	while (sigwait(set, &sig) != 0) {
	}
	_exit(128 + sig);
}

/* Sets the flag's consequences: the watched calls are cancelled and a
 * waiting poll loop is woken. */
static void
cancel_all(void)
{
	size_t i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < MAX_WATCHED; i++) {
		if (watched[i] != NULL) {
			cli_conn_cancel(watched[i]);
		}
	}
	if (notify_fd >= 0 && write(notify_fd, "s", 1) < 0) {
		/* the loop also checks cli_signalled() */
	}
	pthread_mutex_unlock(&lock);
}

int
cli_signals_start(void)
{
	static sigset_t set;
	pthread_t t;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0 ||
	    pthread_create(&t, NULL, waiter, &set) != 0) {
		return ERR_SYS;
	}
	pthread_detach(t);
	return 0;
}

int
cli_signalled(void)
{
	return atomic_load(&signalled);
}

void
cli_signals_watch(struct cli_conn *c)
{
	size_t i;

	if (c == NULL) {
		return;
	}
	pthread_mutex_lock(&lock);
	for (i = 0; i < MAX_WATCHED; i++) {
		if (watched[i] == c) {
			break;
		}
		if (watched[i] == NULL) {
			watched[i] = c;
			break;
		}
	}
	pthread_mutex_unlock(&lock);
	if (atomic_load(&signalled)) {
		cli_conn_cancel(c);
	}
}

void
cli_signals_forget(void)
{
	size_t i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < MAX_WATCHED; i++) {
		watched[i] = NULL;
	}
	pthread_mutex_unlock(&lock);
}

void
cli_signals_notify_fd(int fd)
{
	pthread_mutex_lock(&lock);
	notify_fd = fd;
	pthread_mutex_unlock(&lock);
}
