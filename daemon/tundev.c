/* TUN device creation with virtio-net headers and offloads. */
#include "autoconf.h"

#include <sys/ioctl.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon/tundev.h"

/* Debian 12's kernel headers predate UDP segmentation offload on TUN. */
#ifndef TUN_F_USO4
#define TUN_F_USO4	0x20
#endif
#ifndef TUN_F_USO6
#define TUN_F_USO6	0x40
#endif

int
tundev_open_tap(struct tundev *t, const char *name, char *err, size_t len)
{
	struct ifreq	 ifr;

	memset(t, 0, sizeof(*t));
	if ((t->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC)) ==
	    -1) {
		(void)snprintf(err, len, "/dev/net/tun: %s", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	(void)snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(t->fd, TUNSETIFF, &ifr) == -1) {
		(void)snprintf(err, len, "cannot create TAP device %s: %s",
		    name, strerror(errno));
		goto fail;
	}
	(void)snprintf(t->name, sizeof(t->name), "%s", ifr.ifr_name);
	if ((t->ifindex = if_nametoindex(t->name)) == 0) {
		(void)snprintf(err, len, "%s: no interface index: %s", t->name,
		    strerror(errno));
		goto fail;
	}
	return 0;
 fail:
	(void)close(t->fd);
	t->fd = -1;
	return -1;
}

int
tundev_open(struct tundev *t, const char *name, char *err, size_t len)
{
	struct ifreq	 ifr;
	int		 hdrsz = (int)sizeof(struct virtio_net_hdr);
	unsigned int	 want[] = {
		/*
		 * Checksums and TCP segmentation are left to tun (offload.c):
		 * one read then moves up to 64 KB.  UDP segmentation is not
		 * asked for: tun does not cut UDP trains.
		 */
		TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN,
		TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6,
		TUN_F_CSUM,
		0,
	};
	size_t		 i;

	memset(t, 0, sizeof(*t));
	if ((t->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC)) ==
	    -1) {
		(void)snprintf(err, len, "/dev/net/tun: %s (is the tun module "
		    "loaded? modprobe tun)", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_VNET_HDR;
	(void)snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(t->fd, TUNSETIFF, &ifr) == -1) {
		(void)snprintf(err, len, "cannot create TUN device %s: %s",
		    name, strerror(errno));
		goto fail;
	}
	(void)snprintf(t->name, sizeof(t->name), "%s", ifr.ifr_name);
	if (ioctl(t->fd, TUNSETVNETHDRSZ, &hdrsz) == -1) {
		(void)snprintf(err, len, "%s: TUNSETVNETHDRSZ: %s", t->name,
		    strerror(errno));
		goto fail;
	}
	t->vnet_hdr = 1;
	/* Older kernels refuse the newer bits: step down until one fits. */
	for (i = 0; i < nitems(want); i++) {
		if (ioctl(t->fd, TUNSETOFFLOAD, want[i]) == 0) {
			t->offloads = want[i];
			break;
		}
	}
	if ((t->ifindex = if_nametoindex(t->name)) == 0) {
		(void)snprintf(err, len, "%s: no interface index: %s", t->name,
		    strerror(errno));
		goto fail;
	}
	return 0;
 fail:
	(void)close(t->fd);
	t->fd = -1;
	return -1;
}
