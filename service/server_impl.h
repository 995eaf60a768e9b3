/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Internal layout of service/server, shared by server*.c only. */
#ifndef SEALPOST_SERVER_IMPL_H
#define SEALPOST_SERVER_IMPL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>
#include <nng/supplemental/tls/tls.h>

#include "service/server.h"

/* Where a slot (= a request and its rep0 context) is in its life. */
enum slot_state {
	S_IDLE,	  /* on the free list, no operation pending */
	S_RECV,	  /* receive pending */
	S_QUEUED, /* waiting for, or running on, a worker */
	S_SEND,	  /* reply send pending */
	S_PARKED, /* in the parked tables, sleep pending */
	S_WOKEN,  /* taken out by server_wake, sleep being cancelled */
	S_DROP,	  /* taken out because its pipe closed, sleep cancelled */
};

struct pipe_rec;

/* One rep0 context with its aio; while it holds a request it is the
 * struct server_req the handler sees. */
struct server_req {
	struct server *srv;
	nng_ctx ctx;
	nng_aio *aio;
	nng_msg *msg; /* the request while handled or parked */
	uint32_t pipe;
	int woken;
	enum slot_state state;
	int active;    /* counted in srv->nactive */
	uint64_t key;  /* park key */
	uint64_t seq;  /* srv->wake_seq when this run was dequeued */
	int *done;     /* the running worker's "replied or parked" flag */
	struct server_req *all_next;
	struct server_req *all_prev;
	struct server_req *qnext; /* job queue or free list */
	struct server_req *knext; /* parked: key bucket */
	struct server_req *kprev;
	struct server_req *pnext; /* parked: its pipe's list */
	struct server_req *pprev;
	struct pipe_rec *prec;
};

/* What the server knows per connection: its cached peer address and the
 * requests it has parked. */
struct pipe_rec {
	struct pipe_rec *next;
	uint32_t id;
	int announced; /* pipe_event(added) was called */
	char peer[64];
	struct server_req *parked;
};

/* The pipe-callback target. It outlives the server if nng_close had to be
 * abandoned, so a late callback finds closed != 0 instead of freed
 * memory. */
struct pipe_hub {
	pthread_mutex_t lock;
	int closed;
	struct server *srv;
};

#define PIPE_BUCKETS 4096U

struct server {
	struct server_config cfg; /* strings point into our copies */
	char **urls;
	char *tls_cert_file;
	char *tls_key_file;
	server_handler handler;
	void *arg;

	nng_socket sock;
	nng_listener *listeners;
	size_t nlisteners_ok; /* created */
	nng_tls_config *tls;
	struct pipe_hub *hub;
	int hub_owned; /* the socket is closed: free the hub */

	pthread_mutex_t lock; /* everything below */
	pthread_cond_t work_cv;
	int started;
	int stopping;
	pthread_t *threads;
	unsigned nthreads;
	struct server_req *all;	  /* every slot */
	struct server_req *qhead; /* job queue */
	struct server_req *qtail;
	struct server_req *freelist;
	size_t nfree;
	size_t nactive;
	size_t nparked;
	uint64_t wake_seq;
	size_t nbuckets; /* power of two */
	struct server_req **kbuckets;
	uint64_t *last_wake; /* per key bucket */
	struct pipe_rec *pbuckets[PIPE_BUCKETS];

	nng_http_server *http;
	nng_http_handler *hh_health;
	nng_http_handler *hh_metrics;
	struct metrics *http_metrics;
	int (*healthy)(void *arg);

	struct metric *m_requests;
	struct metric *m_parked;
	struct metric *m_parked_total;
	struct metric *m_wake_event;
	struct metric *m_wake_timeout;
	struct metric *m_park_refused;
	struct metric *m_dropped;
	struct metric *m_reply_err;
	struct metric *m_pipes;
};

/* server.c */
void srv_enqueue_locked(struct server *s, struct server_req *r);
void srv_recycle(struct server_req *r);
int srv_slot_new(struct server *s, struct server_req **out);
void srv_slot_free(struct server_req *r);
void srv_slot_cb(void *arg);

/* server_park.c */
void park_remove_locked(struct server *s, struct server_req *r);
void park_free_tables(struct server *s);
void pipe_cb(nng_pipe p, nng_pipe_ev ev, void *arg);
int park_init(struct server *s);

/* server_http.c */
void http_stop(struct server *s);

/* Maps an nng error to ERR_NET, logging what failed. */
int srv_nng_err(const char *what, int rv);

#endif
