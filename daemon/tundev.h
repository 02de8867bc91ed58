/*
 * The TUN device, created by the parent and handed to the tun process.
 * It is opened with IFF_VNET_HDR so that, where the kernel offers it,
 * one read or write moves a TCP or UDP super-packet of up to 64 KB
 * (TSO/USO on the way out, GRO-style coalescing on the way in).
 */
#ifndef HAMD_TUNDEV_H
#define HAMD_TUNDEV_H

#include <net/if.h>

/* Offloads the device accepted (TUN_F_* bits). */
struct tundev {
	int		 fd;
	unsigned int	 ifindex;
	char		 name[IFNAMSIZ];
	unsigned int	 offloads;
	int		 vnet_hdr;	/* every packet has a virtio_net_hdr */
};

/*
 * Create (or attach to) the TUN device `name'; non-blocking, close-on-
 * exec.  Offloads are asked for and whatever the kernel grants is
 * recorded.  0, or -1 with a message in err.
 */
int	tundev_open(struct tundev *, const char *name, char *err, size_t len);
/*
 * The TAP device of Ethernet networks: frames without a packet header
 * or offloads, non-blocking, close-on-exec.
 */
int	tundev_open_tap(struct tundev *, const char *name, char *err,
	    size_t len);

#endif
