/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mstest's process tricks, as an unprivileged attacker plays them: dropping to a user, its
 * own user + network namespace (what `unshare -Urn` does, done here so that it can follow
 * the drop), and descriptors handed to another process over SCM_RIGHTS.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mstest.h"

int mst_become_user(unsigned uid)
{
	/* root's supplementary groups would stay otherwise */
	if (setgroups(0, NULL) < 0 || setgid((gid_t) uid) < 0 || setuid((uid_t) uid) < 0)
		return errno;
	/*
	 * A process that changed its ids is not dumpable: its /proc/self files stay root's, and
	 * it could not write its own uid_map after unshare (as a user's login shell can).
	 */
	return prctl(PR_SET_DUMPABLE, 1) < 0 ? errno : 0;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t) strlen(text) ? 0 : errno ? errno : EIO;
}

int mst_unshare_net(void)
{
	char map[64];
	unsigned uid = (unsigned) getuid(), gid = (unsigned) getgid();
	struct ifreq ifr;
	int fd, err;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
		return errno;
	/* as unshare -r: this user is root in its namespace */
	err = write_file("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "0 %u 1", uid);
	err = err ? err : write_file("/proc/self/uid_map", map);
	snprintf(map, sizeof(map), "0 %u 1", gid);
	err = err ? err : write_file("/proc/self/gid_map", map);
	if (err)
		return err;
	/* its loopback up, so that sockets can bind to 127.0.0.1 */
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		err = errno;
	ifr.ifr_flags |= IFF_UP;
	if (!err && ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		err = errno;
	if (fd >= 0)
		close(fd);
	return err;
}

int mst_send_fd(int conn, int fd)
{
	char byte = 'F';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	memset(&ctl, 0, sizeof(ctl));
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(conn, &msg, 0) == 1 ? 0 : errno;
}

/* The descriptor in one message on conn, or -errno. */
static int recv_fd(int conn)
{
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;
	int fd;

	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	if (recvmsg(conn, &msg, 0) != 1)
		return errno ? -errno : -EPROTO;
	c = CMSG_FIRSTHDR(&msg);
	if (c == NULL || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

static int unix_address(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path))
		return ENAMETOOLONG;
	strcpy(sun->sun_path, path);
	return 0;
}

int mst_give_fd(const char *path, int fd)
{
	struct sockaddr_un sun;
	int lfd, conn, err = unix_address(path, &sun);

	if (err)
		return err;
	unlink(path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	/* a path, not an abstract name: it reaches across network namespaces; any user may */
	if (lfd < 0 || bind(lfd, (struct sockaddr *) &sun, sizeof(sun)) < 0 ||
	    chmod(path, 0777) < 0 || listen(lfd, 1) < 0) {
		err = errno;
		goto out;
	}
	conn = accept(lfd, NULL, NULL);
	if (conn < 0) {
		err = errno;
		goto out;
	}
	err = mst_send_fd(conn, fd);
	close(conn);
out:
	if (lfd >= 0)
		close(lfd);
	unlink(path);
	return err;
}

int mst_take_fd(const char *path, int timeout_ms)
{
	struct sockaddr_un sun;
	int fd, err = unix_address(path, &sun);

	if (err)
		return -err;
	for (int waited = 0;; waited += 100) {
		int conn = socket(AF_UNIX, SOCK_STREAM, 0);

		if (conn < 0)
			return -errno;
		if (connect(conn, (struct sockaddr *) &sun, sizeof(sun)) == 0) {
			fd = recv_fd(conn);
			close(conn);
			return fd;
		}
		err = errno;
		close(conn);
		if ((err != ENOENT && err != ECONNREFUSED) || waited >= timeout_ms)
			return -err;
		usleep(100000);
	}
}

int mst_in_new_netns(int (*make)(void *arg), void *arg)
{
	int sv[2], status, fd;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int err = mst_unshare_net();

		close(sv[0]);
		fd = err ? -err : make(arg);
		if (fd < 0) {
			fprintf(stderr, "mstest: in a new namespace: %s\n", strerror(-fd));
			_exit(1);
		}
		_exit(mst_send_fd(sv[1], fd) ? 1 : 0);
	}
	close(sv[1]);
	fd = recv_fd(sv[0]);
	close(sv[0]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return fd >= 0 ? fd : -ECHILD;
	return fd;
}
