/* SPDX-License-Identifier: BSD-2-Clause */
/* What the files of the FreeBSD glue share with each other. */
#ifndef MULTISTACK_MS_FBSD_H
#define MULTISTACK_MS_FBSD_H

#include <sys/param.h>

#include <sys/malloc.h>
#include <sys/queue.h>
#include <sys/sysctl.h>

#include "multistack/ms_core.h"

MALLOC_DECLARE(M_MULTISTACK);

struct file;
struct thread;
struct nm_ifreq;
struct nm_bdg_fwd;
struct nm_bridge;
struct netmap_adapter;
struct netmap_vp_adapter;
struct vnet;

/* Longest switch or port name netmap accepts in nm_ifreq (IFNAMSIZ, NUL included). */
#define MS_NAME_MAX 16

/*
 * The glue's cookie for one registration: the socket that proved ownership
 * (its file reference is held until the registration goes) and what the
 * status listing shows.  Also used alone, with pid == MS_PID_NONE, to carry
 * a transient file reference to the release task.
 */
struct ms_fbsd_reg {
	STAILQ_ENTRY(ms_fbsd_reg) release_link;
	struct file *fp;
	int fd; /* the caller's descriptor of fp at BIND, until handed over */
	pid_t pid;
	uid_t uid;
	char port[MS_NAME_MAX]; /* the owner's port name, switch prefix removed */
};
#define MS_PID_NONE ((pid_t) -1)

/* The one switch this module serves. */
struct ms_fbsd_switch {
	struct ms_core *core;
	struct ms_requests *requests;	   /* the request path in front of the core */
	char name[MS_NAME_MAX];		   /* "valem:" */
	volatile u_int nic_port;	   /* cached index of the NIC port, checked before use */
	struct nm_bridge *volatile bridge; /* the switch as its ports show it, for unloading */
};
extern struct ms_fbsd_switch ms_sw;

/* ms_os_freebsd.c: the per-CPU zone of the core's counters, made before the core, gone after. */
void ms_percpu_init(void);
void ms_percpu_fini(void);

/* ms_release.c: dropping file references from contexts that may not sleep. */
void ms_release_init(void);
void ms_release_fini(void);
void ms_release_cookie(void *cookie, void *arg);     /* deferred; fits ms_unbind_owner() */
void ms_release_cookie_now(void *cookie, void *arg); /* only where sleeping is allowed */
void ms_file_drop(struct file *fp);

/* ms_owner.c: the caller's socket bound to a tuple, referenced, or an errno. */
int ms_owner_find_socket(struct thread *td, const struct ms_tuple *tuple, int fd, struct file **fpp,
			 int *fd_out);

/*
 * ms_handover.c: closes the caller's descriptor of a registered proof when
 * the request returns to user mode (ms_handover_start() under the switch
 * lock; ENOMEM, or EOPNOTSUPP where the kernel has no module ASTs).
 */
void ms_handover_init(void);
void ms_handover_fini(void);
int ms_handover_start(struct file *fp, int fd, const struct ms_tuple *tuple, uint16_t owner);

/*
 * ms_ahead.c: hints the core about the frames that follow ft in its sending
 * ring (ring_nr of src), in the direction of ft's frame; in the net epoch,
 * and worth calling only while ms_prefetch_pays(core).
 */
void ms_look_ahead(struct ms_core *core, const struct nm_bdg_fwd *ft, uint8_t ring_nr,
		   struct netmap_vp_adapter *src, bool ingress);

/* ms_switch.c: the switch callbacks and port roles. */
uint32_t ms_switch_lookup(struct nm_bdg_fwd *ft, uint8_t *ring, struct netmap_vp_adapter *src,
			  void *private_data);
void ms_switch_dtor(const struct netmap_vp_adapter *vp);
void ms_switch_open_up(void);
bool ms_port_is_host(const struct netmap_vp_adapter *vp);
void ms_note_bridge(struct nm_bridge *b);

/*
 * ms_watch.c: registrations end when their owner's rings go (a wrapped
 * nm_register); unloading is refused while any port is watched.
 */
void ms_watch_init(void);
void ms_watch_fini(void);
int ms_watch_close(void); /* EBUSY while watched; else no watch from now on */
int ms_watch_port(struct netmap_vp_adapter *vp);
void ms_unwatch_owner(uint16_t owner);

/* ms_port.c: the caller's own port (an owner id) or EPERM; the switch's network stack. */
int ms_port_of_caller(const char *nifr_name, uint16_t *owner, struct netmap_vp_adapter **port);
bool ms_port_rings_held_exclusively(struct netmap_adapter *na);
bool ms_vnet_is_switchs(const struct vnet *vnet);
bool ms_caller_in_switchs_vnet(void);

/* ms_config.c: NIOCCONFIG through common/ms_request.c, and the hooks it is given. */
struct ms_request_host;
int ms_config(struct nm_ifreq *nr);
const struct ms_request_host *ms_config_host(void);

/* ms_status.c: the net.multistack.status text. */
int ms_status_sysctl(SYSCTL_HANDLER_ARGS);

#endif /* MULTISTACK_MS_FBSD_H */
