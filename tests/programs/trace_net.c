/*
 * A workload for the socket decoders of `ptpoll trace`: the same calls in
 * the same order on every run, so that its strace and ptpoll traces can be
 * compared line by line.
 *
 *   trace_net DIR     DIR: an existing directory for the path socket
 *
 * Everything happens in one thread over loopback: TCP and UDP on
 * 127.0.0.1 and ::1 (ports picked by the kernel, except the refused
 * connections to port 1), a unix socketpair with SCM_RIGHTS, a path and
 * an abstract unix socket (both named after DIR), a netlink socket, and
 * failing calls (EBADF, EFAULT, ECONNREFUSED, EINVAL, ENOTCONN,
 * EAFNOSUPPORT). Each failing call is made on purpose; the program exits 1
 * only if a call that must work fails.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define BAD_ADDR ((void *)0x10)

/* Hidden from the compiler, which warns about a constant bad pointer. */
static int *volatile bad_pair = BAD_ADDR;

static void must(int ok, const char *what)
{
	if (!ok) {
		perror(what);
		exit(1);
	}
}

static void tcp4(void)
{
	struct sockaddr_in addr = {.sin_family = AF_INET};
	socklen_t len = sizeof(addr);
	int one = 1, val = 0;
	char buf[64];

	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
	must(lfd >= 0, "socket");
	must(setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0,
	     "setsockopt");
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	must(bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) == 0, "bind");
	must(listen(lfd, 8) == 0, "listen");
	must(getsockname(lfd, (struct sockaddr *)&addr, &len) == 0,
	     "getsockname");

	int cfd = socket(AF_INET, SOCK_STREAM, 0);
	must(cfd >= 0, "socket");
	must(setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0,
	     "setsockopt");
	must(connect(cfd, (struct sockaddr *)&addr, sizeof(addr)) == 0,
	     "connect");

	struct sockaddr_in peer;
	len = sizeof(peer);
	int afd = accept(lfd, (struct sockaddr *)&peer, &len);
	must(afd >= 0, "accept");
	must(getpeername(afd, (struct sockaddr *)&peer, &len) == 0,
	     "getpeername");

	must(send(cfd, "hello", 5, MSG_NOSIGNAL) == 5, "send");
	must(recv(afd, buf, 3, MSG_PEEK) == 3, "recv");
	must(recvfrom(afd, buf, sizeof(buf), 0, NULL, NULL) == 5, "recvfrom");
	must(sendto(afd, "a longer reply that goes past the string limit\n",
		    47, MSG_DONTWAIT | MSG_NOSIGNAL, NULL, 0) == 47,
	     "sendto");
	must(recv(cfd, buf, sizeof(buf), MSG_WAITALL | MSG_DONTWAIT) == 47,
	     "recv");

	len = sizeof(val);
	must(getsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &val, &len) == 0,
	     "getsockopt");
	len = sizeof(val);
	must(getsockopt(cfd, SOL_SOCKET, SO_TYPE, &val, &len) == 0,
	     "getsockopt");
	len = sizeof(val);
	must(getsockopt(cfd, SOL_SOCKET, SO_ERROR, &val, &len) == 0,
	     "getsockopt");
	len = 2; /* too short for an int: the kernel says EINVAL */
	getsockopt(cfd, SOL_SOCKET, SO_KEEPALIVE, &val, &len);
	getsockopt(cfd, SOL_SOCKET, SO_KEEPALIVE, &val, NULL);
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	must(setsockopt(cfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0,
	     "setsockopt");
	must(setsockopt(cfd, SOL_SOCKET, SO_RCVBUF, &one, sizeof(one)) == 0,
	     "setsockopt");
	setsockopt(cfd, SOL_SOCKET, SO_RCVBUF, BAD_ADDR, sizeof(one));
	setsockopt(cfd, 12345, 1, &one, sizeof(one));

	must(shutdown(cfd, SHUT_WR) == 0, "shutdown");
	must(recv(afd, buf, sizeof(buf), 0) == 0, "recv");
	shutdown(cfd, 7);

	/* A second connection, taken with accept4 and flags. */
	int c2 = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_IP);
	must(c2 >= 0, "socket");
	connect(c2, (struct sockaddr *)&addr, sizeof(addr)); /* EINPROGRESS */
	len = sizeof(peer);
	int a2 = accept4(lfd, (struct sockaddr *)&peer, &len,
			 SOCK_CLOEXEC | SOCK_NONBLOCK);
	must(a2 >= 0, "accept4");
	/* Nothing is pending any more: without O_NONBLOCK, this would hang. */
	must(fcntl(lfd, F_SETFL, O_NONBLOCK) == 0, "fcntl");
	int a3 = accept4(lfd, NULL, NULL, SOCK_NONBLOCK); /* EAGAIN */
	(void)a3;
	len = sizeof(peer);
	accept4(lfd, BAD_ADDR, &len, 0); /* EAGAIN before the address */

	close(a2);
	close(c2);
	close(afd);
	close(cfd);
	close(lfd);

	/* Port 1: nobody listens there, on any sane test machine. */
	struct sockaddr_in nobody = {.sin_family = AF_INET,
				     .sin_port = htons(1)};
	nobody.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int rfd = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	must(rfd >= 0, "socket");
	connect(rfd, (struct sockaddr *)&nobody, sizeof(nobody));
	close(rfd);
}

static void udp4(void)
{
	struct sockaddr_in addr = {.sin_family = AF_INET};
	struct sockaddr_in from;
	socklen_t len = sizeof(addr);
	char buf[64];

	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	must(s >= 0, "socket");
	inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
	must(bind(s, (struct sockaddr *)&addr, sizeof(addr)) == 0, "bind");
	must(getsockname(s, (struct sockaddr *)&addr, &len) == 0,
	     "getsockname");

	int c = socket(AF_INET, SOCK_DGRAM, 0);
	must(c >= 0, "socket");
	must(sendto(c, "ping\0\1\2\377", 8, 0, (struct sockaddr *)&addr,
		    sizeof(addr)) == 8,
	     "sendto");
	len = sizeof(from);
	must(recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from,
		      &len) == 8,
	     "recvfrom");
	/* A length larger than the address: the kernel shrinks it. */
	must(sendto(c, "pong", 4, 0, (struct sockaddr *)&addr,
		    sizeof(addr)) == 4,
	     "sendto");
	struct sockaddr_storage big;
	len = sizeof(big);
	must(recvfrom(s, buf, 2, MSG_TRUNC, (struct sockaddr *)&big, &len) ==
		     4,
	     "recvfrom");
	/* Nothing queued: EAGAIN, the output arguments as addresses. */
	len = sizeof(from);
	recvfrom(s, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from,
		 &len);

	/* sendmsg / recvmsg with a name and two buffers. */
	struct iovec iov[2] = {{.iov_base = "head-", .iov_len = 5},
			       {.iov_base = "tail", .iov_len = 4}};
	struct msghdr msg = {.msg_name = &addr,
			     .msg_namelen = sizeof(addr),
			     .msg_iov = iov,
			     .msg_iovlen = 2};
	must(sendmsg(c, &msg, 0) == 9, "sendmsg");
	char part1[3], part2[16];
	struct iovec riov[2] = {{.iov_base = part1, .iov_len = sizeof(part1)},
				{.iov_base = part2, .iov_len = sizeof(part2)}};
	struct msghdr rmsg = {.msg_name = &from,
			      .msg_namelen = sizeof(from),
			      .msg_iov = riov,
			      .msg_iovlen = 2};
	must(recvmsg(s, &rmsg, 0) == 9, "recvmsg");
	recvmsg(s, &rmsg, MSG_DONTWAIT); /* EAGAIN */
	sendmsg(c, BAD_ADDR, 0);	 /* EFAULT */

	/* sendmmsg / recvmmsg: two datagrams in, two out. */
	struct iovec m1 = {.iov_base = "one", .iov_len = 3};
	struct iovec m2 = {.iov_base = "two!", .iov_len = 4};
	struct mmsghdr out[2];
	memset(out, 0, sizeof(out));
	out[0].msg_hdr.msg_name = &addr;
	out[0].msg_hdr.msg_namelen = sizeof(addr);
	out[0].msg_hdr.msg_iov = &m1;
	out[0].msg_hdr.msg_iovlen = 1;
	out[1].msg_hdr.msg_name = &addr;
	out[1].msg_hdr.msg_namelen = sizeof(addr);
	out[1].msg_hdr.msg_iov = &m2;
	out[1].msg_hdr.msg_iovlen = 1;
	must(sendmmsg(c, out, 2, 0) == 2, "sendmmsg");
	char b1[8], b2[8];
	struct iovec r1 = {.iov_base = b1, .iov_len = sizeof(b1)};
	struct iovec r2 = {.iov_base = b2, .iov_len = sizeof(b2)};
	struct mmsghdr in[2];
	memset(in, 0, sizeof(in));
	in[0].msg_hdr.msg_iov = &r1;
	in[0].msg_hdr.msg_iovlen = 1;
	in[1].msg_hdr.msg_iov = &r2;
	in[1].msg_hdr.msg_iovlen = 1;
	must(recvmmsg(s, in, 2, MSG_DONTWAIT, NULL) == 2, "recvmmsg");

	close(c);
	close(s);
}

static void inet6(void)
{
	struct sockaddr_in6 addr = {.sin6_family = AF_INET6};
	socklen_t len = sizeof(addr);
	char buf[16];

	int lfd = socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP);
	must(lfd >= 0, "socket");
	addr.sin6_addr = in6addr_loopback;
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		/* No IPv6 here: both traces say so, and that is all. */
		close(lfd);
		return;
	}
	must(listen(lfd, SOMAXCONN) == 0, "listen");
	must(getsockname(lfd, (struct sockaddr *)&addr, &len) == 0,
	     "getsockname");
	int cfd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	must(cfd >= 0, "socket");
	must(connect(cfd, (struct sockaddr *)&addr, sizeof(addr)) == 0,
	     "connect");
	struct sockaddr_in6 peer;
	len = sizeof(peer);
	int afd = accept(lfd, (struct sockaddr *)&peer, &len);
	must(afd >= 0, "accept");
	must(write(cfd, "six", 3) == 3, "write");
	must(recvfrom(afd, buf, sizeof(buf), 0, NULL, NULL) == 3, "recvfrom");
	close(afd);
	close(cfd);
	close(lfd);

	/* UDP with a flow label and a scope id in the address. */
	int u = socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP);
	must(u >= 0, "socket");
	struct sockaddr_in6 any = {.sin6_family = AF_INET6,
				   .sin6_flowinfo = htonl(0x12345),
				   .sin6_scope_id = 0};
	inet_pton(AF_INET6, "::1", &any.sin6_addr);
	must(bind(u, (struct sockaddr *)&any, sizeof(any)) == 0, "bind");
	struct sockaddr_in6 ll = {.sin6_family = AF_INET6,
				  .sin6_port = htons(9),
				  .sin6_scope_id = 1};
	inet_pton(AF_INET6, "fe80::1:2", &ll.sin6_addr);
	connect(u, (struct sockaddr *)&ll, sizeof(ll));
	close(u);

	int r = socket(AF_INET6, SOCK_STREAM, 0);
	must(r >= 0, "socket");
	struct sockaddr_in6 nobody = {.sin6_family = AF_INET6,
				      .sin6_port = htons(1)};
	nobody.sin6_addr = in6addr_loopback;
	connect(r, (struct sockaddr *)&nobody, sizeof(nobody));
	close(r);
}

static void unix_sockets(const char *dir)
{
	int sv[2];
	char buf[32];

	must(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0,
	     "socketpair");
	must(write(sv[0], "pair", 4) == 4, "write");
	must(read(sv[1], buf, sizeof(buf)) == 4, "read");

	/* Pass a descriptor over the pair. */
	union {
		char space[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	memset(&control, 0, sizeof(control));
	struct iovec iov = {.iov_base = "fd", .iov_len = 2};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = control.space,
			     .msg_controllen = sizeof(control.space)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &sv[0], sizeof(int));
	must(sendmsg(sv[0], &msg, MSG_NOSIGNAL) == 2, "sendmsg");
	struct iovec riov = {.iov_base = buf, .iov_len = sizeof(buf)};
	union {
		char space[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} rcontrol;
	struct msghdr rmsg = {.msg_iov = &riov,
			      .msg_iovlen = 1,
			      .msg_control = rcontrol.space,
			      .msg_controllen = sizeof(rcontrol.space)};
	must(recvmsg(sv[1], &rmsg, MSG_CMSG_CLOEXEC) == 2, "recvmsg");
	struct cmsghdr *got = CMSG_FIRSTHDR(&rmsg);
	if (got)
		close(*(int *)CMSG_DATA(got));
	close(sv[0]);
	close(sv[1]);

	must(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0, "socketpair");
	close(sv[0]);
	close(sv[1]);
	socketpair(AF_UNIX, SOCK_DGRAM, 0, bad_pair);  /* EFAULT */
	socketpair(AF_INET, SOCK_STREAM, 0, sv);       /* EOPNOTSUPP */

	/* A path socket, in DIR so that parallel runs do not meet. */
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/net.sock", dir);
	unlink(sun.sun_path);
	socklen_t sunlen = offsetof(struct sockaddr_un, sun_path) +
			   strlen(sun.sun_path) + 1;
	int srv = socket(AF_UNIX, SOCK_STREAM, 0);
	must(srv >= 0, "socket");
	must(bind(srv, (struct sockaddr *)&sun, sunlen) == 0, "bind");
	must(listen(srv, 1) == 0, "listen");
	int cli = socket(AF_UNIX, SOCK_STREAM, 0);
	must(cli >= 0, "socket");
	must(connect(cli, (struct sockaddr *)&sun, sizeof(sun)) == 0,
	     "connect");
	struct sockaddr_un peer;
	socklen_t plen = sizeof(peer);
	int acc = accept(srv, (struct sockaddr *)&peer, &plen);
	must(acc >= 0, "accept");
	plen = sizeof(peer);
	must(getsockname(srv, (struct sockaddr *)&peer, &plen) == 0,
	     "getsockname");
	plen = sizeof(peer);
	must(getpeername(cli, (struct sockaddr *)&peer, &plen) == 0,
	     "getpeername");
	plen = 4; /* shorter than the address: the kernel says how long */
	must(getsockname(srv, (struct sockaddr *)&peer, &plen) == 0,
	     "getsockname");
	close(acc);
	close(cli);
	close(srv);
	unlink(sun.sun_path);

	/* An abstract socket: a leading NUL, no terminating one. */
	/* Named after DIR too, so that parallel runs do not meet here either. */
	struct sockaddr_un abs = {.sun_family = AF_UNIX};
	char name[sizeof(abs.sun_path) - 1];
	snprintf(name, sizeof(name), "ptpoll-trace-net:%s", dir);
	memcpy(abs.sun_path + 1, name, strlen(name));
	socklen_t abslen = offsetof(struct sockaddr_un, sun_path) + 1 +
			   strlen(name);
	int d = socket(AF_UNIX, SOCK_DGRAM, 0);
	must(d >= 0, "socket");
	bind(d, (struct sockaddr *)&abs, abslen);
	int e = socket(AF_UNIX, SOCK_DGRAM, 0);
	must(e >= 0, "socket");
	sendto(e, "abstract", 8, 0, (struct sockaddr *)&abs, abslen);
	plen = sizeof(peer);
	recvfrom(d, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&peer,
		 &plen);
	/* An unnamed sender: AF_UNIX with no path at all. */
	close(e);
	close(d);

	/* An unbound address: only the family. */
	struct sockaddr unspec = {.sa_family = AF_UNSPEC};
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	must(u >= 0, "socket");
	connect(u, &unspec, sizeof(unspec));
	close(u);
}

static void netlink(void)
{
	struct sockaddr_nl nl = {.nl_family = AF_NETLINK};
	socklen_t len = sizeof(nl);

	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (s < 0)
		return;
	must(bind(s, (struct sockaddr *)&nl, sizeof(nl)) == 0, "bind");
	must(getsockname(s, (struct sockaddr *)&nl, &len) == 0,
	     "getsockname");
	close(s);
	s = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_KOBJECT_UEVENT);
	if (s >= 0)
		close(s);
	s = socket(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT);
	if (s >= 0)
		close(s);
}

static void failures(void)
{
	struct sockaddr_in addr = {.sin_family = AF_INET};
	socklen_t len = sizeof(addr);
	char buf[8];

	socket(12345, SOCK_STREAM, 0);	      /* EAFNOSUPPORT */
	socket(AF_INET, 0x77, 0);	      /* EINVAL */
	int p = socket(AF_PACKET, SOCK_RAW, 0); /* EPERM, or works as root */
	if (p >= 0)
		close(p);
	sendto(-1, "x", 1, 0, NULL, 0);	      /* EBADF */
	recvfrom(-1, buf, sizeof(buf), 0, NULL, NULL);
	bind(-1, (struct sockaddr *)&addr, sizeof(addr));
	listen(-1, 1);
	shutdown(-1, SHUT_RDWR);
	getsockname(-1, (struct sockaddr *)&addr, &len);
	accept(-1, NULL, NULL);

	int s = socket(AF_INET, SOCK_STREAM, 0);
	must(s >= 0, "socket");
	bind(s, BAD_ADDR, sizeof(addr));		/* EFAULT */
	bind(s, (struct sockaddr *)&addr, 3);		/* EINVAL */
	getsockname(s, BAD_ADDR, &len);			/* EFAULT */
	getsockname(s, (struct sockaddr *)&addr, BAD_ADDR);
	getpeername(s, (struct sockaddr *)&addr, &len); /* ENOTCONN */
	accept(s, (struct sockaddr *)&addr, &len);	/* EINVAL */
	shutdown(s, SHUT_RD);				/* ENOTCONN */
	sendto(s, "x", 1, MSG_NOSIGNAL, NULL, 0);	/* EPIPE */
	sendto(s, BAD_ADDR, 4, MSG_NOSIGNAL, NULL, 0);
	recvfrom(s, BAD_ADDR, 4, 0, NULL, NULL);
	close(s);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: trace_net DIR\n");
		return 2;
	}
	tcp4();
	udp4();
	inet6();
	unix_sockets(argv[1]);
	netlink();
	failures();
	return 0;
}
