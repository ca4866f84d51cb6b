"""Sockets: socket, bind, connect, accept, send/recv*, [gs]etsockopt...

What strace 6.1 prints, as learnt by running it (tests/programs/trace_net.c
and tests/test_trace_net.py pin it):

- A socket address is decoded from at most its length argument (and at
  most 128 bytes, the size of ``sockaddr_storage``); a length below 2, or
  an unreadable address, prints the address. A family whose structure is
  longer than the length prints the bytes after the family as
  ``sa_data``, the way ``struct sockaddr`` names them.
- In/out lengths (``accept``, ``getsockname``, ``recvfrom``,
  ``getsockopt``) print ``[in => out]`` when the kernel changed them and
  ``[n]`` when not; the address is decoded from the smaller of the two.
  The in value is read at entry, so it is in the ``stash``.
- A failed call prints its output buffers as addresses, but its in/out
  length still as ``[in]``.
- Flag sets with no known bit print ``0x... /* MSG_??? */``; `render.flags`
  prints only the hex there, so this module has its own `_flags`.
- Option values: ``[n]`` for an int, some structures by name, the rest as
  a string; for the int options of SOL_SOCKET a wrong length makes strace
  print the bytes in hex (getsockopt) or the address (setsockopt).

Constants come from the system headers named at each table.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Mapping

from .. import render
from .base import ArgFn, Call, Ctx, Signature, a_fd, a_int, out, r_dec, r_fd, sig

# bits/socket.h: PF_* (AF_* are the same numbers)
_AF: dict[int, str] = {
    0: "AF_UNSPEC",
    1: "AF_UNIX",
    2: "AF_INET",
    3: "AF_AX25",
    4: "AF_IPX",
    5: "AF_APPLETALK",
    6: "AF_NETROM",
    7: "AF_BRIDGE",
    8: "AF_ATMPVC",
    9: "AF_X25",
    10: "AF_INET6",
    11: "AF_ROSE",
    12: "AF_DECnet",
    13: "AF_NETBEUI",
    14: "AF_SECURITY",
    15: "AF_KEY",
    16: "AF_NETLINK",
    17: "AF_PACKET",
    18: "AF_ASH",
    19: "AF_ECONET",
    20: "AF_ATMSVC",
    21: "AF_RDS",
    22: "AF_SNA",
    23: "AF_IRDA",
    24: "AF_PPPOX",
    25: "AF_WANPIPE",
    26: "AF_LLC",
    27: "AF_IB",
    28: "AF_MPLS",
    29: "AF_CAN",
    30: "AF_TIPC",
    31: "AF_BLUETOOTH",
    32: "AF_IUCV",
    33: "AF_RXRPC",
    34: "AF_ISDN",
    35: "AF_PHONET",
    36: "AF_IEEE802154",
    37: "AF_CAIF",
    38: "AF_ALG",
    39: "AF_NFC",
    40: "AF_VSOCK",
    41: "AF_KCM",
    42: "AF_QIPCRTR",
    43: "AF_SMC",
    44: "AF_XDP",
    45: "AF_MCTP",
}

# linux/if_ether.h
_ETH_P: dict[int, str] = {
    0x1: "ETH_P_802_3",
    0x2: "ETH_P_AX25",
    0x3: "ETH_P_ALL",
    0x4: "ETH_P_802_2",
    0x5: "ETH_P_SNAP",
    0x6: "ETH_P_DDCMP",
    0x7: "ETH_P_WAN_PPP",
    0x8: "ETH_P_PPP_MP",
    0x9: "ETH_P_LOCALTALK",
    0xC: "ETH_P_CAN",
    0xD: "ETH_P_CANFD",
    0xE: "ETH_P_CANXL",
    0x10: "ETH_P_PPPTALK",
    0x11: "ETH_P_TR_802_2",
    0x15: "ETH_P_MOBITEX",
    0x16: "ETH_P_CONTROL",
    0x17: "ETH_P_IRDA",
    0x18: "ETH_P_ECONET",
    0x19: "ETH_P_HDLC",
    0x1A: "ETH_P_ARCNET",
    0x1B: "ETH_P_DSA",
    0x1C: "ETH_P_TRAILER",
    0x60: "ETH_P_LOOP",
    0xF5: "ETH_P_PHONET",
    0xF6: "ETH_P_IEEE802154",
    0xF7: "ETH_P_CAIF",
    0xF8: "ETH_P_XDSA",
    0xF9: "ETH_P_MAP",
    0xFA: "ETH_P_MCTP",
    0x200: "ETH_P_PUP",
    0x201: "ETH_P_PUPAT",
    0x800: "ETH_P_IP",
    0x805: "ETH_P_X25",
    0x806: "ETH_P_ARP",
    0x8FF: "ETH_P_BPQ",
    0xA00: "ETH_P_IEEEPUP",
    0xA01: "ETH_P_IEEEPUPAT",
    0x22EB: "ETH_P_ERSPAN2",
    0x22F0: "ETH_P_TSN",
    0x4305: "ETH_P_BATMAN",
    0x6000: "ETH_P_DEC",
    0x6001: "ETH_P_DNA_DL",
    0x6002: "ETH_P_DNA_RC",
    0x6003: "ETH_P_DNA_RT",
    0x6004: "ETH_P_LAT",
    0x6005: "ETH_P_DIAG",
    0x6006: "ETH_P_CUST",
    0x6007: "ETH_P_SCA",
    0x6558: "ETH_P_TEB",
    0x8035: "ETH_P_RARP",
    0x809B: "ETH_P_ATALK",
    0x80F3: "ETH_P_AARP",
    0x8100: "ETH_P_8021Q",
    0x8137: "ETH_P_IPX",
    0x86DD: "ETH_P_IPV6",
    0x8808: "ETH_P_PAUSE",
    0x8809: "ETH_P_SLOW",
    0x883E: "ETH_P_WCCP",
    0x8847: "ETH_P_MPLS_UC",
    0x8848: "ETH_P_MPLS_MC",
    0x884C: "ETH_P_ATMMPOA",
    0x8863: "ETH_P_PPP_DISC",
    0x8864: "ETH_P_PPP_SES",
    0x886C: "ETH_P_LINK_CTL",
    0x8884: "ETH_P_ATMFATE",
    0x888E: "ETH_P_PAE",
    0x8892: "ETH_P_PROFINET",
    0x8899: "ETH_P_REALTEK",
    0x88A2: "ETH_P_AOE",
    0x88A4: "ETH_P_ETHERCAT",
    0x88A8: "ETH_P_8021AD",
    0x88B5: "ETH_P_802_EX1",
    0x88BE: "ETH_P_ERSPAN",
    0x88C7: "ETH_P_PREAUTH",
    0x88CA: "ETH_P_TIPC",
    0x88CC: "ETH_P_LLDP",
    0x88E3: "ETH_P_MRP",
    0x88E5: "ETH_P_MACSEC",
    0x88E7: "ETH_P_8021AH",
    0x88F5: "ETH_P_MVRP",
    0x88F7: "ETH_P_1588",
    0x88F8: "ETH_P_NCSI",
    0x88FB: "ETH_P_PRP",
    0x8902: "ETH_P_CFM",
    0x8906: "ETH_P_FCOE",
    0x890D: "ETH_P_TDLS",
    0x8914: "ETH_P_FIP",
    0x8915: "ETH_P_IBOE",
    0x8917: "ETH_P_80221",
    0x892F: "ETH_P_HSR",
    0x894F: "ETH_P_NSH",
    0x9000: "ETH_P_LOOPBACK",
    0x9100: "ETH_P_QINQ1",
    0x9200: "ETH_P_QINQ2",
    0x9300: "ETH_P_QINQ3",
    0xDADA: "ETH_P_EDSA",
    0xDADB: "ETH_P_DSA_8021Q",
    0xE001: "ETH_P_DSA_A5PSW",
    0xED3E: "ETH_P_IFE",
    0xFBFB: "ETH_P_AF_IUCV",
}

# linux/in.h
_IP_OPT: dict[int, str] = {
    1: "IP_TOS",
    2: "IP_TTL",
    3: "IP_HDRINCL",
    4: "IP_OPTIONS",
    5: "IP_ROUTER_ALERT",
    6: "IP_RECVOPTS",
    7: "IP_RETOPTS",
    8: "IP_PKTINFO",
    9: "IP_PKTOPTIONS",
    10: "IP_MTU_DISCOVER",
    11: "IP_RECVERR",
    12: "IP_RECVTTL",
    13: "IP_RECVTOS",
    14: "IP_MTU",
    15: "IP_FREEBIND",
    16: "IP_IPSEC_POLICY",
    17: "IP_XFRM_POLICY",
    18: "IP_PASSSEC",
    19: "IP_TRANSPARENT",
    20: "IP_ORIGDSTADDR",
    21: "IP_MINTTL",
    22: "IP_NODEFRAG",
    23: "IP_CHECKSUM",
    24: "IP_BIND_ADDRESS_NO_PORT",
    25: "IP_RECVFRAGSIZE",
    26: "IP_RECVERR_RFC4884",
    32: "IP_MULTICAST_IF",
    33: "IP_MULTICAST_TTL",
    34: "IP_MULTICAST_LOOP",
    35: "IP_ADD_MEMBERSHIP",
    36: "IP_DROP_MEMBERSHIP",
    37: "IP_UNBLOCK_SOURCE",
    38: "IP_BLOCK_SOURCE",
    39: "IP_ADD_SOURCE_MEMBERSHIP",
    40: "IP_DROP_SOURCE_MEMBERSHIP",
    41: "IP_MSFILTER",
    49: "IP_MULTICAST_ALL",
    50: "IP_UNICAST_IF",
    51: "IP_LOCAL_PORT_RANGE",
    52: "IP_PROTOCOL",
}

# linux/in6.h
_IPV6_OPT: dict[int, str] = {
    1: "IPV6_ADDRFORM",
    2: "IPV6_2292PKTINFO",
    3: "IPV6_2292HOPOPTS",
    4: "IPV6_2292DSTOPTS",
    5: "IPV6_2292RTHDR",
    6: "IPV6_2292PKTOPTIONS",
    7: "IPV6_CHECKSUM",
    8: "IPV6_2292HOPLIMIT",
    9: "IPV6_NEXTHOP",
    10: "IPV6_AUTHHDR",
    11: "IPV6_FLOWINFO",
    16: "IPV6_UNICAST_HOPS",
    17: "IPV6_MULTICAST_IF",
    18: "IPV6_MULTICAST_HOPS",
    19: "IPV6_MULTICAST_LOOP",
    20: "IPV6_ADD_MEMBERSHIP",
    21: "IPV6_DROP_MEMBERSHIP",
    22: "IPV6_ROUTER_ALERT",
    23: "IPV6_MTU_DISCOVER",
    24: "IPV6_MTU",
    25: "IPV6_RECVERR",
    26: "IPV6_V6ONLY",
    27: "IPV6_JOIN_ANYCAST",
    28: "IPV6_LEAVE_ANYCAST",
    29: "IPV6_MULTICAST_ALL",
    30: "IPV6_ROUTER_ALERT_ISOLATE",
    31: "IPV6_RECVERR_RFC4884",
    32: "IPV6_FLOWLABEL_MGR",
    34: "IPV6_IPSEC_POLICY",
    35: "IPV6_XFRM_POLICY",
    36: "IPV6_HDRINCL",
    49: "IPV6_RECVPKTINFO",
    50: "IPV6_PKTINFO",
    51: "IPV6_RECVHOPLIMIT",
    52: "IPV6_HOPLIMIT",
    53: "IPV6_RECVHOPOPTS",
    54: "IPV6_HOPOPTS",
    55: "IPV6_RTHDRDSTOPTS",
    56: "IPV6_RECVRTHDR",
    57: "IPV6_RTHDR",
    58: "IPV6_RECVDSTOPTS",
    59: "IPV6_DSTOPTS",
    60: "IPV6_RECVPATHMTU",
    61: "IPV6_PATHMTU",
    62: "IPV6_DONTFRAG",
    63: "IPV6_USE_MIN_MTU",
    66: "IPV6_RECVTCLASS",
    67: "IPV6_TCLASS",
    70: "IPV6_AUTOFLOWLABEL",
    72: "IPV6_ADDR_PREFERENCES",
    73: "IPV6_MINHOPCOUNT",
    74: "IPV6_ORIGDSTADDR",
    75: "IPV6_TRANSPARENT",
    76: "IPV6_UNICAST_IF",
    77: "IPV6_RECVFRAGSIZE",
    78: "IPV6_FREEBIND",
}

# linux/tcp.h
_TCP_OPT: dict[int, str] = {
    1: "TCP_NODELAY",
    2: "TCP_MAXSEG",
    3: "TCP_CORK",
    4: "TCP_KEEPIDLE",
    5: "TCP_KEEPINTVL",
    6: "TCP_KEEPCNT",
    7: "TCP_SYNCNT",
    8: "TCP_LINGER2",
    9: "TCP_DEFER_ACCEPT",
    10: "TCP_WINDOW_CLAMP",
    11: "TCP_INFO",
    12: "TCP_QUICKACK",
    13: "TCP_CONGESTION",
    14: "TCP_MD5SIG",
    15: "TCP_COOKIE_TRANSACTIONS",  # gone from linux/tcp.h since 3.10
    16: "TCP_THIN_LINEAR_TIMEOUTS",
    17: "TCP_THIN_DUPACK",
    18: "TCP_USER_TIMEOUT",
    19: "TCP_REPAIR",
    20: "TCP_REPAIR_QUEUE",
    21: "TCP_QUEUE_SEQ",
    22: "TCP_REPAIR_OPTIONS",
    23: "TCP_FASTOPEN",
    24: "TCP_TIMESTAMP",
    25: "TCP_NOTSENT_LOWAT",
    26: "TCP_CC_INFO",
    27: "TCP_SAVE_SYN",
    28: "TCP_SAVED_SYN",
    29: "TCP_REPAIR_WINDOW",
    30: "TCP_FASTOPEN_CONNECT",
    31: "TCP_ULP",
    32: "TCP_MD5SIG_EXT",
    33: "TCP_FASTOPEN_KEY",
    34: "TCP_FASTOPEN_NO_COOKIE",
    35: "TCP_ZEROCOPY_RECEIVE",
    36: "TCP_INQ",
    37: "TCP_TX_DELAY",
}

# linux/udp.h
_UDP_OPT: dict[int, str] = {
    1: "UDP_CORK",
    100: "UDP_ENCAP",
    101: "UDP_NO_CHECK6_TX",
    102: "UDP_NO_CHECK6_RX",
    103: "UDP_SEGMENT",
    104: "UDP_GRO",
}

# linux/netlink.h: protocols
_NETLINK_PROTO: dict[int, str] = {
    0: "NETLINK_ROUTE",
    1: "NETLINK_UNUSED",
    2: "NETLINK_USERSOCK",
    3: "NETLINK_FIREWALL",
    4: "NETLINK_SOCK_DIAG",
    5: "NETLINK_NFLOG",
    6: "NETLINK_XFRM",
    7: "NETLINK_SELINUX",
    8: "NETLINK_ISCSI",
    9: "NETLINK_AUDIT",
    10: "NETLINK_FIB_LOOKUP",
    11: "NETLINK_CONNECTOR",
    12: "NETLINK_NETFILTER",
    13: "NETLINK_IP6_FW",
    14: "NETLINK_DNRTMSG",
    15: "NETLINK_KOBJECT_UEVENT",
    16: "NETLINK_GENERIC",
    18: "NETLINK_SCSITRANSPORT",
    19: "NETLINK_ECRYPTFS",
    20: "NETLINK_RDMA",
    21: "NETLINK_CRYPTO",
    22: "NETLINK_SMC",
}

# linux/netlink.h: options
_NETLINK_OPT: dict[int, str] = {
    1: "NETLINK_ADD_MEMBERSHIP",
    2: "NETLINK_DROP_MEMBERSHIP",
    3: "NETLINK_PKTINFO",
    4: "NETLINK_BROADCAST_ERROR",
    5: "NETLINK_NO_ENOBUFS",
    6: "NETLINK_RX_RING",
    7: "NETLINK_TX_RING",
    8: "NETLINK_LISTEN_ALL_NSID",
    9: "NETLINK_LIST_MEMBERSHIPS",
    10: "NETLINK_CAP_ACK",
    11: "NETLINK_EXT_ACK",
    12: "NETLINK_GET_STRICT_CHK",
}

# linux/if_packet.h: sll_pkttype
_PACKET_TYPE: dict[int, str] = {
    0: "PACKET_HOST",
    1: "PACKET_BROADCAST",
    2: "PACKET_MULTICAST",
    3: "PACKET_OTHERHOST",
    4: "PACKET_OUTGOING",
    5: "PACKET_LOOPBACK",
    6: "PACKET_USER",
    7: "PACKET_KERNEL",
}

# linux/if_packet.h: options
_PACKET_OPT: dict[int, str] = {
    1: "PACKET_ADD_MEMBERSHIP",
    2: "PACKET_DROP_MEMBERSHIP",
    3: "PACKET_RECV_OUTPUT",
    5: "PACKET_RX_RING",
    6: "PACKET_STATISTICS",
    7: "PACKET_COPY_THRESH",
    8: "PACKET_AUXDATA",
    9: "PACKET_ORIGDEV",
    10: "PACKET_VERSION",
    11: "PACKET_HDRLEN",
    12: "PACKET_RESERVE",
    13: "PACKET_TX_RING",
    14: "PACKET_LOSS",
    15: "PACKET_VNET_HDR",
    16: "PACKET_TX_TIMESTAMP",
    17: "PACKET_TIMESTAMP",
}

# asm-generic/socket.h
_SO_OPT: dict[int, str] = {
    1: "SO_DEBUG",
    2: "SO_REUSEADDR",
    3: "SO_TYPE",
    4: "SO_ERROR",
    5: "SO_DONTROUTE",
    6: "SO_BROADCAST",
    7: "SO_SNDBUF",
    8: "SO_RCVBUF",
    9: "SO_KEEPALIVE",
    10: "SO_OOBINLINE",
    11: "SO_NO_CHECK",
    12: "SO_PRIORITY",
    13: "SO_LINGER",
    14: "SO_BSDCOMPAT",
    15: "SO_REUSEPORT",
    16: "SO_PASSCRED",
    17: "SO_PEERCRED",
    18: "SO_RCVLOWAT",
    19: "SO_SNDLOWAT",
    20: "SO_RCVTIMEO_OLD",
    21: "SO_SNDTIMEO_OLD",
    22: "SO_SECURITY_AUTHENTICATION",
    23: "SO_SECURITY_ENCRYPTION_TRANSPORT",
    24: "SO_SECURITY_ENCRYPTION_NETWORK",
    25: "SO_BINDTODEVICE",
    26: "SO_ATTACH_FILTER",
    27: "SO_DETACH_FILTER",
    28: "SO_PEERNAME",
    29: "SO_TIMESTAMP_OLD",
    30: "SO_ACCEPTCONN",
    31: "SO_PEERSEC",
    32: "SO_SNDBUFFORCE",
    33: "SO_RCVBUFFORCE",
    34: "SO_PASSSEC",
    35: "SO_TIMESTAMPNS_OLD",
    36: "SO_MARK",
    37: "SO_TIMESTAMPING_OLD",
    38: "SO_PROTOCOL",
    39: "SO_DOMAIN",
    40: "SO_RXQ_OVFL",
    41: "SO_WIFI_STATUS",
    42: "SO_PEEK_OFF",
    43: "SO_NOFCS",
    44: "SO_LOCK_FILTER",
    45: "SO_SELECT_ERR_QUEUE",
    46: "SO_BUSY_POLL",
    47: "SO_MAX_PACING_RATE",
    48: "SO_BPF_EXTENSIONS",
    49: "SO_INCOMING_CPU",
    50: "SO_ATTACH_BPF",
    51: "SO_ATTACH_REUSEPORT_CBPF",
    52: "SO_ATTACH_REUSEPORT_EBPF",
    53: "SO_CNX_ADVICE",
    55: "SO_MEMINFO",
    56: "SO_INCOMING_NAPI_ID",
    57: "SO_COOKIE",
    59: "SO_PEERGROUPS",
    60: "SO_ZEROCOPY",
    61: "SO_TXTIME",
    62: "SO_BINDTOIFINDEX",
    63: "SO_TIMESTAMP_NEW",
    64: "SO_TIMESTAMPNS_NEW",
    65: "SO_TIMESTAMPING_NEW",
    66: "SO_RCVTIMEO_NEW",
    67: "SO_SNDTIMEO_NEW",
    68: "SO_DETACH_REUSEPORT_BPF",
    69: "SO_PREFER_BUSY_POLL",
    70: "SO_BUSY_POLL_BUDGET",
    71: "SO_NETNS_COOKIE",
    72: "SO_BUF_LOCK",
    73: "SO_RESERVE_MEM",
    74: "SO_TXREHASH",
    75: "SO_RCVMARK",
}

# bits/socket.h, and the IPPROTO_* numbers for the protocol levels
_SOL: dict[int, str] = {
    0: "SOL_IP",
    1: "SOL_SOCKET",
    6: "SOL_TCP",
    17: "SOL_UDP",
    41: "SOL_IPV6",
    58: "SOL_ICMPV6",
    132: "SOL_SCTP",
    136: "SOL_UDPLITE",
    255: "SOL_RAW",
    261: "SOL_DECNET",
    262: "SOL_X25",
    263: "SOL_PACKET",
    264: "SOL_ATM",
    265: "SOL_AAL",
    266: "SOL_IRDA",
    267: "SOL_NETBEUI",
    268: "SOL_LLC",
    269: "SOL_DCCP",
    270: "SOL_NETLINK",
    271: "SOL_TIPC",
    272: "SOL_RXRPC",
    273: "SOL_PPPOL2TP",
    274: "SOL_BLUETOOTH",
    275: "SOL_PNPIPE",
    276: "SOL_RDS",
    277: "SOL_IUCV",
    278: "SOL_CAIF",
    279: "SOL_ALG",
    280: "SOL_NFC",
    281: "SOL_KCM",
    282: "SOL_TLS",
    283: "SOL_XDP",
    284: "SOL_MPTCP",
    285: "SOL_MCTP",
    286: "SOL_SMC",
}

_SOCK_TYPE: dict[int, str] = {
    1: "SOCK_STREAM",
    2: "SOCK_DGRAM",
    3: "SOCK_RAW",
    4: "SOCK_RDM",
    5: "SOCK_SEQPACKET",
    6: "SOCK_DCCP",
    10: "SOCK_PACKET",
}

# bits/socket_type.h: SOCK_CLOEXEC is O_CLOEXEC, SOCK_NONBLOCK O_NONBLOCK.
_SOCK_FLAGS: tuple[tuple[int, str], ...] = (
    (0o2000000, "SOCK_CLOEXEC"),
    (0o4000, "SOCK_NONBLOCK"),
)

# bits/socket.h, in bit order; the kernel adds its internal
# MSG_SENDPAGE_NOTLAST, MSG_NO_SHARED_FRAGS and MSG_CMSG_COMPAT
# (include/linux/socket.h), which strace names as well.
_MSG_FLAGS: tuple[tuple[int, str], ...] = (
    (0x1, "MSG_OOB"),
    (0x2, "MSG_PEEK"),
    (0x4, "MSG_DONTROUTE"),
    (0x8, "MSG_CTRUNC"),
    (0x10, "MSG_PROBE"),
    (0x20, "MSG_TRUNC"),
    (0x40, "MSG_DONTWAIT"),
    (0x80, "MSG_EOR"),
    (0x100, "MSG_WAITALL"),
    (0x200, "MSG_FIN"),
    (0x400, "MSG_SYN"),
    (0x800, "MSG_CONFIRM"),
    (0x1000, "MSG_RST"),
    (0x2000, "MSG_ERRQUEUE"),
    (0x4000, "MSG_NOSIGNAL"),
    (0x8000, "MSG_MORE"),
    (0x10000, "MSG_WAITFORONE"),
    (0x20000, "MSG_SENDPAGE_NOTLAST"),
    (0x40000, "MSG_BATCH"),
    (0x80000, "MSG_NO_SHARED_FRAGS"),
    (0x4000000, "MSG_ZEROCOPY"),
    (0x20000000, "MSG_FASTOPEN"),
    (0x40000000, "MSG_CMSG_CLOEXEC"),
    (0x80000000, "MSG_CMSG_COMPAT"),
)

# linux/in.h (enum), then the IPv6 extension headers of linux/in6.h.
_IPPROTO: dict[int, str] = {
    0: "IPPROTO_IP",
    1: "IPPROTO_ICMP",
    2: "IPPROTO_IGMP",
    4: "IPPROTO_IPIP",
    6: "IPPROTO_TCP",
    8: "IPPROTO_EGP",
    12: "IPPROTO_PUP",
    17: "IPPROTO_UDP",
    22: "IPPROTO_IDP",
    29: "IPPROTO_TP",
    33: "IPPROTO_DCCP",
    41: "IPPROTO_IPV6",
    43: "IPPROTO_ROUTING",
    44: "IPPROTO_FRAGMENT",
    46: "IPPROTO_RSVP",
    47: "IPPROTO_GRE",
    50: "IPPROTO_ESP",
    51: "IPPROTO_AH",
    58: "IPPROTO_ICMPV6",
    59: "IPPROTO_NONE",
    60: "IPPROTO_DSTOPTS",
    92: "IPPROTO_MTP",
    94: "IPPROTO_BEETPH",
    98: "IPPROTO_ENCAP",
    103: "IPPROTO_PIM",
    108: "IPPROTO_COMP",
    115: "IPPROTO_L2TP",
    132: "IPPROTO_SCTP",
    135: "IPPROTO_MH",
    136: "IPPROTO_UDPLITE",
    137: "IPPROTO_MPLS",
    143: "IPPROTO_ETHERNET",
    255: "IPPROTO_RAW",
    262: "IPPROTO_MPTCP",
}

_SHUT: dict[int, str] = {0: "SHUT_RD", 1: "SHUT_WR", 2: "SHUT_RDWR"}

# linux/if_arp.h
_ARPHRD: dict[int, str] = {
    0: "ARPHRD_NETROM",
    1: "ARPHRD_ETHER",
    2: "ARPHRD_EETHER",
    3: "ARPHRD_AX25",
    4: "ARPHRD_PRONET",
    5: "ARPHRD_CHAOS",
    6: "ARPHRD_IEEE802",
    7: "ARPHRD_ARCNET",
    8: "ARPHRD_APPLETLK",
    15: "ARPHRD_DLCI",
    19: "ARPHRD_ATM",
    23: "ARPHRD_METRICOM",
    24: "ARPHRD_IEEE1394",
    27: "ARPHRD_EUI64",
    32: "ARPHRD_INFINIBAND",
    256: "ARPHRD_SLIP",
    257: "ARPHRD_CSLIP",
    258: "ARPHRD_SLIP6",
    259: "ARPHRD_CSLIP6",
    260: "ARPHRD_RSRVD",
    264: "ARPHRD_ADAPT",
    270: "ARPHRD_ROSE",
    271: "ARPHRD_X25",
    272: "ARPHRD_HWX25",
    280: "ARPHRD_CAN",
    290: "ARPHRD_MCTP",
    512: "ARPHRD_PPP",
    513: "ARPHRD_CISCO",
    516: "ARPHRD_LAPB",
    517: "ARPHRD_DDCMP",
    518: "ARPHRD_RAWHDLC",
    519: "ARPHRD_RAWIP",
    768: "ARPHRD_TUNNEL",
    769: "ARPHRD_TUNNEL6",
    770: "ARPHRD_FRAD",
    771: "ARPHRD_SKIP",
    772: "ARPHRD_LOOPBACK",
    773: "ARPHRD_LOCALTLK",
    774: "ARPHRD_FDDI",
    775: "ARPHRD_BIF",
    776: "ARPHRD_SIT",
    777: "ARPHRD_IPDDP",
    778: "ARPHRD_IPGRE",
    779: "ARPHRD_PIMREG",
    780: "ARPHRD_HIPPI",
    781: "ARPHRD_ASH",
    782: "ARPHRD_ECONET",
    783: "ARPHRD_IRDA",
    784: "ARPHRD_FCPP",
    785: "ARPHRD_FCAL",
    786: "ARPHRD_FCPL",
    787: "ARPHRD_FCFABRIC",
    800: "ARPHRD_IEEE802_TR",
    801: "ARPHRD_IEEE80211",
    802: "ARPHRD_IEEE80211_PRISM",
    803: "ARPHRD_IEEE80211_RADIOTAP",
    804: "ARPHRD_IEEE802154",
    805: "ARPHRD_IEEE802154_MONITOR",
    820: "ARPHRD_PHONET",
    821: "ARPHRD_PHONET_PIPE",
    822: "ARPHRD_CAIF",
    823: "ARPHRD_IP6GRE",
    824: "ARPHRD_NETLINK",
    825: "ARPHRD_6LOWPAN",
    826: "ARPHRD_VSOCKMON",
    0xFFFF: "ARPHRD_VOID",
    0xFFFE: "ARPHRD_NONE",
}

# The SOL_SOCKET options that strace handles as an int: a wrong length is
# printed in hex by getsockopt and as the address by setsockopt. Which ones
# they are was found by asking strace 6.1 about each option with length 3.
_SO_INT_COMMON = frozenset(
    {1, 2, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 18, 19, 29, 30, 35, 36, 37, 40}
    | {41, 42, 43, 44, 45, 46, 49, 56, 60, 63, 64, 65, 69, 73, 74, 75}
)
_SO_INT_GET = _SO_INT_COMMON | {4}  # SO_ERROR
_SO_INT_SET = _SO_INT_COMMON | {16, 27, 32, 33, 34, 53, 68, 70}
_SO_LINGER = 13
_SO_PEERCRED = 17
_SO_GET_FILTER = 26  # the name getsockopt gives SO_ATTACH_FILTER
# Options that take a struct sock_fprog (16 bytes): shorter is an address.
_SO_FPROG = frozenset({26, 51})  # SO_ATTACH_FILTER, SO_ATTACH_REUSEPORT_CBPF
_FPROG_SIZE = 16

_SCM: dict[int, str] = {
    1: "SCM_RIGHTS",
    2: "SCM_CREDENTIALS",
    3: "SCM_SECURITY",
    29: "SO_TIMESTAMP_OLD",
    35: "SO_TIMESTAMPNS_OLD",
    37: "SO_TIMESTAMPING_OLD",
}

_AF_UNIX = 1
_AF_INET = 2
_AF_INET6 = 10
_AF_NETLINK = 16
_AF_PACKET = 17

_SOL_IP = 0
_SOL_SOCKET = 1

# Option names by level, with the prefix of strace's "unknown" comment.
_OPTIONS: dict[int, tuple[Mapping[int, str], str]] = {
    0: (_IP_OPT, "IP"),
    1: (_SO_OPT, "SO"),
    6: (_TCP_OPT, "TCP"),
    17: (_UDP_OPT, "UDP"),
    41: (_IPV6_OPT, "IPV6"),
    255: ({1: "ICMP_FILTER"}, "ICMP"),
    263: (_PACKET_OPT, "PACKET"),
    270: (_NETLINK_OPT, "NETLINK"),
}

_CMSG_TYPES: dict[int, tuple[Mapping[int, str], str]] = {
    0: (_IP_OPT, "IP"),
    1: (_SCM, "SCM"),
    41: (_IPV6_OPT, "IPV6"),
}

_SOCKADDR_MAX = 128  # sizeof(struct sockaddr_storage)
_UIO_MAXIOV = 1024
_CMSG_MAX = 4096  # control data read at most, per message

_MSGHDR = struct.Struct("<QI4xQQQQi4x")  # struct msghdr, x86-64
_MMSGHDR_SIZE = _MSGHDR.size + 8  # + msg_len, padded
_IOVEC = struct.Struct("<QQ")
_CMSGHDR = struct.Struct("<Qii")
_TIMESPEC = struct.Struct("<qq")
_INT = struct.Struct("<i")
_UINT = struct.Struct("<I")


# --- shared pieces --------------------------------------------------------


def _flags(
    ctx: Ctx, value: int, names: tuple[tuple[int, str], ...], prefix: str
) -> str:
    """*value* as a flag set, with strace's ``0x... /* MSG_??? */`` when
    no bit has a name (`render.flags` prints the bare hex there)."""
    if ctx.xstyle == "raw":
        return render.hexnum(value)
    text = render.flags(value, names)
    if value and text == f"{value:#x}":
        return f"{value:#x} /* {prefix}_??? */"
    if ctx.xstyle == "verbose" and value:
        return f"{value:#x} /* {text} */"
    return text


def _xlat(
    ctx: Ctx, value: int, names: Mapping[int, str], prefix: str, marks: str = "???"
) -> str:
    # -X raw prints an unknown value bare; render.xlat would add the comment.
    if ctx.xstyle == "raw":
        return render.hexnum(value)
    return ctx.xlat(value, names, "{:#x} /* " + prefix + "_" + marks + " */")


def _msg_flags(ctx: Ctx, value: int) -> str:
    return _flags(ctx, value & 0xFFFFFFFF, _MSG_FLAGS, "MSG")


def _sock_type(ctx: Ctx, value: int) -> str:
    value &= 0xFFFFFFFF
    base = value & 0xF
    if base not in _SOCK_TYPE:
        return _flags(ctx, value, _SOCK_FLAGS, "SOCK")
    text = ctx.xlat(base, _SOCK_TYPE)
    rest = value & ~0xF
    return f"{text}|{_flags(ctx, rest, _SOCK_FLAGS, 'SOCK')}" if rest else text


def _read_int(ctx: Ctx, call: Call, addr: int) -> int | None:
    data = ctx.read(call, addr, 4)
    return None if data is None else int(_INT.unpack(data)[0])


def _int_box(ctx: Ctx, call: Call, addr: int) -> str:
    """``[n]`` for the int at *addr*."""
    value = _read_int(ctx, call, addr)
    return render.pointer(addr) if value is None else f"[{value}]"


def _hex_bytes(ctx: Ctx, data: bytes, size: int) -> str:
    shown = min(size, ctx.strsize)
    return render.quote(data[:shown], ellipsis=size > shown, hex_all=True)


def _ints(data: bytes, names: tuple[str, ...]) -> str:
    """A structure of ints that may be cut short: the fields that fit,
    then the bytes of a partial one in hex, as strace does."""
    fields = []
    for i, name in enumerate(names):
        part = data[4 * i : 4 * i + 4]
        if len(part) == 4:
            fields.append((name, str(_INT.unpack(part)[0])))
        else:
            if part:
                fields.append((name, render.quote(part, hex_all=True)))
            break
    return render.struct(fields)


def _ifindex(ctx: Ctx, index: int) -> str:
    """An interface index: ``if_nametoindex("lo")`` when it names one
    here (the tracer shares the tracee's network namespace, as strace
    assumes too)."""
    if ctx.xstyle == "raw":
        return str(index)
    try:
        name = socket.if_indextoname(index)
    except (OSError, OverflowError):
        return str(index)
    text = f'if_nametoindex("{name}")'
    return f"{index} /* {text} */" if ctx.xstyle == "verbose" else text


def _timespec(ctx: Ctx, call: Call, addr: int) -> str:
    if addr == 0:
        return "NULL"
    data = ctx.read(call, addr, _TIMESPEC.size)
    if data is None:
        return render.pointer(addr)
    sec, nsec = _TIMESPEC.unpack(data)
    return f"{{tv_sec={sec}, tv_nsec={nsec}}}"


# --- socket addresses -----------------------------------------------------


def _inet_field(ctx: Ctx, name: str, raw: bytes, text: str) -> str:
    """``name=text``, or the raw bytes for ``-X raw`` / ``-X verbose``."""
    if ctx.xstyle == "abbrev":
        return f"{name}={text}"
    quoted = render.quote(raw, hex_all=True)
    if ctx.xstyle == "raw":
        return f"{name}={quoted}"
    return f"{name}={quoted} /* {text} */"


def _sockaddr_in(ctx: Ctx, data: bytes) -> list[str]:
    port = int.from_bytes(data[2:4], "big")
    addr = socket.inet_ntoa(data[4:8])
    return [
        _inet_field(ctx, "sin_port", data[2:4], f"htons({port})"),
        _inet_field(ctx, "sin_addr", data[4:8], f'inet_addr("{addr}")'),
    ]


def _sockaddr_in6(ctx: Ctx, data: bytes) -> list[str]:
    port = int.from_bytes(data[2:4], "big")
    flow = int.from_bytes(data[4:8], "big")
    raw_addr = data[8:24]
    addr = socket.inet_ntop(socket.AF_INET6, raw_addr)
    parts = [
        _inet_field(ctx, "sin6_port", data[2:4], f"htons({port})"),
        _inet_field(ctx, "sin6_flowinfo", data[4:8], f"htonl({flow})"),
    ]
    if ctx.xstyle == "abbrev":
        parts.append(f'inet_pton(AF_INET6, "{addr}", &sin6_addr)')
    else:
        parts.append(
            _inet_field(ctx, "sin6_addr", raw_addr, f'inet_pton(AF_INET6, "{addr}")')
        )
    if len(data) > 24:  # without it: the RFC 2133 sockaddr_in6
        scope = int.from_bytes(data[24:28].ljust(4, b"\0"), "little")
        link_local = raw_addr[0] == 0xFE and raw_addr[1] & 0xC0 == 0x80
        mc_link_local = raw_addr[0] == 0xFF and raw_addr[1] & 0x0F == 0x2
        if link_local or mc_link_local:
            parts.append(f"sin6_scope_id={_ifindex(ctx, scope)}")
        else:
            parts.append(f"sin6_scope_id={scope}")
    return parts


def _sockaddr_un(ctx: Ctx, data: bytes) -> list[str]:
    path = data[2:]
    if path[:1] == b"\0":
        return ["sun_path=@" + render.quote(path[1:])]
    end = path.find(b"\0")
    return ["sun_path=" + render.quote(path if end < 0 else path[:end])]


def _sockaddr_nl(ctx: Ctx, data: bytes) -> list[str]:
    pid, groups = struct.unpack_from("<II", data, 4)
    # C's %#08x: no "0x" for zero, and the prefix counts in the width.
    group_text = f"0x{groups:06x}" if groups else "00000000"
    return [f"nl_pid={pid}", f"nl_groups={group_text}"]


def _sockaddr_ll(ctx: Ctx, data: bytes) -> list[str]:
    proto, index, hatype, pkttype, halen = struct.unpack_from("<HiHBB", data, 2)
    hw = ", ".join(f"{b:#x}" for b in data[12 : 12 + min(halen, 8)])
    return [
        "sll_protocol=" + _ether_proto(ctx, socket.ntohs(proto)),
        f"sll_ifindex={_ifindex(ctx, index)}",
        "sll_hatype=" + _xlat(ctx, hatype, _ARPHRD, "ARPHRD"),
        "sll_pkttype=" + _xlat(ctx, pkttype, _PACKET_TYPE, "PACKET"),
        f"sll_halen={halen}",
        f"sll_addr=[{hw}]",
    ]


# family: (size of its structure, decoder of the fields after sa_family)
_FAMILIES = {
    _AF_UNIX: (3, _sockaddr_un),
    _AF_INET: (16, _sockaddr_in),
    _AF_INET6: (24, _sockaddr_in6),
    _AF_NETLINK: (12, _sockaddr_nl),
    _AF_PACKET: (20, _sockaddr_ll),
}


def _sockaddr(ctx: Ctx, call: Call, addr: int, length: int) -> str:
    """The socket address of *length* bytes at *addr*."""
    if addr == 0:
        return "NULL"
    length = render.signed(length, 32)
    if length < 2:
        return render.pointer(addr)
    data = ctx.read(call, addr, min(length, _SOCKADDR_MAX))
    if data is None:
        return render.pointer(addr)
    family = int.from_bytes(data[:2], "little")
    parts = ["sa_family=" + _xlat(ctx, family, _AF, "AF")]
    if len(data) > 2:
        size, decode = _FAMILIES.get(family, (0, None))
        if decode is not None and len(data) >= size:
            parts.extend(decode(ctx, data))
        else:
            parts.append("sa_data=" + render.quote(data[2:]))
    return "{" + ", ".join(parts) + "}"


def _ether_proto(ctx: Ctx, proto: int) -> str:
    if ctx.xstyle == "raw":
        return f"htons({render.hexnum(proto)})"
    if proto in _ETH_P:
        return f"htons({_ETH_P[proto]})"
    return f"htons({render.hexnum(proto)} /* ETH_P_??? */)"


# --- messages -------------------------------------------------------------


def _iovecs(ctx: Ctx, call: Call, addr: int, count: int, data_len: int | None) -> str:
    """``[{iov_base="...", iov_len=5}, ...]``; with *data_len*, only that
    many bytes in all are shown (what a receive filled in)."""
    if count == 0:
        return "[]"
    shown = min(count, _UIO_MAXIOV)
    raw = ctx.read(call, addr, shown * _IOVEC.size)
    if raw is None:
        return render.pointer(addr)
    left = data_len
    items = []
    for base, size in _IOVEC.iter_unpack(raw):
        if left is None:
            text = ctx.buffer(call, base, size)
        else:
            part = min(size, left)
            left -= part
            text = ctx.buffer(call, base, part)
        items.append(f"{{iov_base={text}, iov_len={size}}}")
    return render.array(items, more=count > shown)


def _cmsg_data(ctx: Ctx, call: Call, level: int, kind: int, data: bytes) -> str | None:
    if level == _SOL_SOCKET:
        if kind == 1:  # SCM_RIGHTS
            fds = [
                ctx.fd(call, fd & 0xFFFFFFFF)
                for (fd,) in _INT.iter_unpack(data[: len(data) // 4 * 4])
            ]
            return render.array(fds)
        if kind == 2 and len(data) >= 12:  # SCM_CREDENTIALS
            return _ints(data[:12], ("pid", "uid", "gid"))
        if kind == 29 and len(data) >= 16:  # SO_TIMESTAMP_OLD
            sec, usec = struct.unpack_from("<qq", data)
            return f"{{tv_sec={sec}, tv_usec={usec}}}"
        return None
    if level == _SOL_IP:
        if kind == 2 and len(data) >= 4:  # IP_TTL
            return f"[{_INT.unpack_from(data)[0]}]"
        if kind == 1 and data:  # IP_TOS: one byte
            return f"[{data[0]}]"
        if kind == 8 and len(data) >= 12:  # IP_PKTINFO
            index = _INT.unpack_from(data)[0]
            spec = socket.inet_ntoa(data[4:8])
            dst = socket.inet_ntoa(data[8:12])
            return (
                f"{{ipi_ifindex={_ifindex(ctx, index)}, "
                f'ipi_spec_dst=inet_addr("{spec}"), ipi_addr=inet_addr("{dst}")}}'
            )
    return None


def _cmsgs(ctx: Ctx, call: Call, addr: int, size: int) -> str:
    if size < _CMSGHDR.size:
        return render.pointer(addr)
    raw = ctx.read(call, addr, min(size, _CMSG_MAX))
    if raw is None:
        return render.pointer(addr)
    items = []
    offset = 0
    while offset + _CMSGHDR.size <= len(raw):
        length, level, kind = _CMSGHDR.unpack_from(raw, offset)
        fields = [
            ("cmsg_len", str(length)),
            ("cmsg_level", _xlat(ctx, level & 0xFFFFFFFF, _SOL, "SOL")),
        ]
        names = _CMSG_TYPES.get(level)
        if names is None:
            fields.append(("cmsg_type", render.hexnum(kind & 0xFFFFFFFF)))
        else:
            fields.append(
                ("cmsg_type", _xlat(ctx, kind & 0xFFFFFFFF, names[0], names[1]))
            )
        whole = _CMSGHDR.size <= length <= len(raw) - offset
        if whole:
            body = raw[offset + _CMSGHDR.size : offset + length]
            data = _cmsg_data(ctx, call, level, kind, body)
            if data is not None:
                fields.append(("cmsg_data", data))
        items.append(render.struct(fields))
        if not whole:
            break
        offset += (length + 7) & ~7
    return render.array(items)


def _msghdr(
    ctx: Ctx,
    call: Call,
    addr: int,
    *,
    data_len: int | None = None,
    namelen_in: int | None = None,
) -> str:
    """A ``struct msghdr``; *data_len* limits the buffers shown (a
    receive), *namelen_in* is the name length before the call."""
    raw = ctx.read(call, addr, _MSGHDR.size)
    if raw is None:
        return render.pointer(addr)
    name, namelen, iov, iovlen, control, controllen, flags = _MSGHDR.unpack(raw)
    namelen_text = str(namelen)
    if namelen_in is not None and namelen_in != namelen:
        namelen_text = f"{namelen_in} => {namelen}"
    fields = [
        ("msg_name", _sockaddr(ctx, call, name, namelen)),
        ("msg_namelen", namelen_text),
        ("msg_iov", _iovecs(ctx, call, iov, iovlen, data_len)),
        ("msg_iovlen", str(iovlen)),
    ]
    if controllen:
        fields.append(("msg_control", _cmsgs(ctx, call, control, controllen)))
    fields.append(("msg_controllen", str(controllen)))
    fields.append(("msg_flags", _msg_flags(ctx, flags)))
    return render.struct(fields)


def _mmsghdrs(ctx: Ctx, call: Call, addr: int, count: int, received: bool) -> str:
    raw = ctx.read(call, addr, count * _MMSGHDR_SIZE) if count else b""
    if raw is None:
        return render.pointer(addr)
    items = []
    for i in range(count):
        start = i * _MMSGHDR_SIZE
        msg_len = _UINT.unpack_from(raw, start + _MSGHDR.size)[0]
        hdr = _msghdr(ctx, call, addr + start, data_len=msg_len if received else None)
        items.append(f"{{msg_hdr={hdr}, msg_len={msg_len}}}")
    return render.array(items)


# --- argument decoders ----------------------------------------------------


def _keep(*ptrs: int) -> ArgFn:
    """An fd decoder that also reads, at entry, the int behind each
    argument in *ptrs* (the in half of an in/out length)."""

    def decode(ctx: Ctx, call: Call, i: int) -> str:
        for p in ptrs:
            addr = call.args[p]
            call.stash[f"len{p}"] = _read_int(ctx, call, addr) if addr else None
        return ctx.fd(call, call.args[i])

    return decode


def a_family(ctx: Ctx, call: Call, i: int) -> str:
    return _xlat(ctx, call.args[i] & 0xFFFFFFFF, _AF, "AF")


def a_socktype(ctx: Ctx, call: Call, i: int) -> str:
    return _sock_type(ctx, call.args[i])


def a_protocol(ctx: Ctx, call: Call, i: int) -> str:
    """The protocol of ``socket``: named by the family in argument 0."""
    family = call.args[0] & 0xFFFFFFFF
    value = call.args[i] & 0xFFFFFFFF
    if family in (_AF_INET, _AF_INET6):
        return _xlat(ctx, value, _IPPROTO, "IPPROTO")
    if family == _AF_NETLINK:
        return _xlat(ctx, value, _NETLINK_PROTO, "NETLINK")
    if family == _AF_PACKET:
        return _ether_proto(ctx, socket.ntohs(value & 0xFFFF))
    return render.int_arg(value)


def a_sock_flags(ctx: Ctx, call: Call, i: int) -> str:
    return _flags(ctx, call.args[i] & 0xFFFFFFFF, _SOCK_FLAGS, "SOCK")


def a_msg_flags(ctx: Ctx, call: Call, i: int) -> str:
    return _msg_flags(ctx, call.args[i])


def a_uint(ctx: Ctx, call: Call, i: int) -> str:
    return str(call.args[i] & 0xFFFFFFFF)


def a_size(ctx: Ctx, call: Call, i: int) -> str:
    return str(call.args[i])


def a_sockaddr(ctx: Ctx, call: Call, i: int) -> str:
    """An input address; its length is the next argument."""
    return _sockaddr(ctx, call, call.args[i], call.args[i + 1])


def o_sockaddr(ctx: Ctx, call: Call, i: int) -> str:
    """An output address; the next argument points to its in/out length."""
    addr = call.args[i]
    if addr == 0:
        return "NULL"
    if call.failed:
        return render.pointer(addr)
    got = _read_int(ctx, call, call.args[i + 1]) if call.args[i + 1] else None
    if got is None:
        return render.pointer(addr)
    before = call.stash.get(f"len{i + 1}")
    return _sockaddr(ctx, call, addr, got if before is None else min(before, got))


def o_socklen(ctx: Ctx, call: Call, i: int) -> str:
    """``[16]`` or ``[128 => 16]``: an in/out length kept by `_keep`."""
    addr = call.args[i]
    if addr == 0:
        return "NULL"
    before = call.stash.get(f"len{i}")
    if call.failed:
        return render.pointer(addr) if before is None else f"[{before}]"
    after = _read_int(ctx, call, addr)
    if after is None:
        return render.pointer(addr)
    if before is None or before == after:
        return f"[{after}]"
    return f"[{before} => {after}]"


def a_send_buf(ctx: Ctx, call: Call, i: int) -> str:
    return ctx.buffer(call, call.args[i], call.args[i + 1])


def o_recv_buf(ctx: Ctx, call: Call, i: int) -> str:
    addr = call.args[i]
    if call.failed:
        return render.pointer(addr)
    # With MSG_TRUNC the call returns the datagram's length, which may be
    # more than the buffer holds.
    return ctx.buffer(call, addr, min(call.rval or 0, call.args[i + 1]))


def o_fd_pair(ctx: Ctx, call: Call, i: int) -> str:
    addr = call.args[i]
    data = None if call.failed else ctx.read(call, addr, 8)
    if data is None:
        return render.pointer(addr)
    first, second = struct.unpack("<ii", data)
    return f"[{ctx.fd(call, first & 0xFFFFFFFF)}, {ctx.fd(call, second & 0xFFFFFFFF)}]"


def a_shut(ctx: Ctx, call: Call, i: int) -> str:
    return _xlat(ctx, call.args[i] & 0xFFFFFFFF, _SHUT, "SHUT")


def a_level(ctx: Ctx, call: Call, i: int) -> str:
    # Two question marks here, three in a cmsg_level: strace 6.1 does so.
    return _xlat(ctx, call.args[i] & 0xFFFFFFFF, _SOL, "SOL", "??")


def _optname(ctx: Ctx, call: Call, i: int, *, get: bool) -> str:
    level = call.args[i - 1] & 0xFFFFFFFF
    name = call.args[i] & 0xFFFFFFFF
    known = _OPTIONS.get(level)
    if known is None:
        return str(render.signed(name, 32))
    if get and level == _SOL_SOCKET and name == _SO_GET_FILTER:
        return ctx.xlat(name, {_SO_GET_FILTER: "SO_GET_FILTER"})
    return _xlat(ctx, name, known[0], known[1])


def a_getoptname(ctx: Ctx, call: Call, i: int) -> str:
    return _optname(ctx, call, i, get=True)


def a_setoptname(ctx: Ctx, call: Call, i: int) -> str:
    return _optname(ctx, call, i, get=False)


def _linger(data: bytes) -> str:
    return _ints(data, ("l_onoff", "l_linger"))


def a_setoptval(ctx: Ctx, call: Call, i: int) -> str:
    level, name, addr = (
        call.args[1] & 0xFFFFFFFF,
        call.args[2] & 0xFFFFFFFF,
        call.args[3],
    )
    size = call.args[4] & 0xFFFFFFFF
    if addr == 0:
        return "NULL"
    if level == _SOL_SOCKET and name == _SO_LINGER:
        data = ctx.read(call, addr, 8) if render.signed(size, 32) >= 8 else None
        return render.pointer(addr) if data is None else _linger(data)
    if (
        level == _SOL_SOCKET
        and name in _SO_FPROG
        and render.signed(size, 32) < _FPROG_SIZE
    ):
        return render.pointer(addr)
    if level == _SOL_SOCKET and name in _SO_INT_SET:
        if render.signed(size, 32) < 4:
            return render.pointer(addr)
        return _int_box(ctx, call, addr)
    if size == 4:
        return _int_box(ctx, call, addr)
    return ctx.buffer(call, addr, size)


def o_getoptval(ctx: Ctx, call: Call, i: int) -> str:
    level, name, addr = (
        call.args[1] & 0xFFFFFFFF,
        call.args[2] & 0xFFFFFFFF,
        call.args[3],
    )
    if call.failed or call.args[4] == 0:
        return render.pointer(addr)
    size = _read_int(ctx, call, call.args[4])
    if size is None or size <= 0 or addr == 0:
        return render.pointer(addr)
    before = call.stash.get("len4")
    if before is not None and 0 <= before < size:
        size = before
    if level == _SOL_SOCKET and name in (_SO_LINGER, _SO_PEERCRED):
        data = ctx.read(call, addr, min(size, 12))
        if data is None:
            return render.pointer(addr)
        if name == _SO_LINGER:
            return _linger(data[:8])
        return _ints(data, ("pid", "uid", "gid"))
    if size == 4:
        return _int_box(ctx, call, addr)
    if level == _SOL_SOCKET and name in _SO_INT_GET:
        data = ctx.read(call, addr, min(size, ctx.strsize))
        return render.pointer(addr) if data is None else _hex_bytes(ctx, data, size)
    return ctx.buffer(call, addr, size)


def a_msghdr(ctx: Ctx, call: Call, i: int) -> str:
    return _msghdr(ctx, call, call.args[i])


def _keep_namelen(ctx: Ctx, call: Call, i: int) -> str:
    """recvmsg's fd; also keeps msg_namelen as it was before the call."""
    raw = ctx.read(call, call.args[1] + 8, 4) if call.args[1] else None
    call.stash["namelen"] = None if raw is None else _INT.unpack(raw)[0]
    return ctx.fd(call, call.args[i])


def o_recv_msghdr(ctx: Ctx, call: Call, i: int) -> str:
    addr = call.args[i]
    before = call.stash.get("namelen")
    if call.failed:
        # What strace shows of a failed recvmsg: the name length it passed.
        return render.pointer(addr) if before is None else f"{{msg_namelen={before}}}"
    return _msghdr(ctx, call, addr, data_len=call.rval or 0, namelen_in=before)


def o_mmsghdrs(ctx: Ctx, call: Call, i: int) -> str:
    addr = call.args[i]
    if call.failed:
        return render.pointer(addr)
    count = min(call.rval or 0, call.args[i + 1] & 0xFFFFFFFF)
    return _mmsghdrs(ctx, call, addr, count, received=call.name == "recvmmsg")


def _keep_timeout(ctx: Ctx, call: Call, i: int) -> str:
    """recvmmsg's fd; also keeps the timeout as it was before the call."""
    call.stash["timeout"] = _timespec(ctx, call, call.args[4])
    return ctx.fd(call, call.args[i])


def a_kept_timeout(ctx: Ctx, call: Call, i: int) -> str:
    kept = call.stash.get("timeout")
    return kept if isinstance(kept, str) else _timespec(ctx, call, call.args[i])


def r_recvmmsg(ctx: Ctx, call: Call) -> str:
    """The count, and the time left of a timeout: `` (left {...})``."""
    text = r_dec(ctx, call)
    if call.args[4] == 0:
        return text
    return f"{text} (left {_timespec(ctx, call, call.args[4])})"


SIGNATURES: dict[str, Signature] = {
    "socket": sig(a_family, a_socktype, a_protocol, ret=r_fd),
    "socketpair": sig(a_family, a_socktype, a_int, out(o_fd_pair)),
    "bind": sig(a_fd, a_sockaddr, a_int),
    "connect": sig(a_fd, a_sockaddr, a_int),
    "listen": sig(a_fd, a_int),
    "accept": sig(_keep(2), out(o_sockaddr), out(o_socklen), ret=r_fd),
    "accept4": sig(_keep(2), out(o_sockaddr), out(o_socklen), a_sock_flags, ret=r_fd),
    "getsockname": sig(_keep(2), out(o_sockaddr), out(o_socklen)),
    "getpeername": sig(_keep(2), out(o_sockaddr), out(o_socklen)),
    "sendto": sig(a_fd, a_send_buf, a_size, a_msg_flags, a_sockaddr, a_int),
    "recvfrom": sig(
        _keep(5), out(o_recv_buf), a_size, a_msg_flags, out(o_sockaddr), out(o_socklen)
    ),
    "sendmsg": sig(a_fd, a_msghdr, a_msg_flags),
    "recvmsg": sig(_keep_namelen, out(o_recv_msghdr), a_msg_flags),
    "sendmmsg": sig(a_fd, out(o_mmsghdrs), a_uint, a_msg_flags),
    "recvmmsg": sig(
        _keep_timeout,
        out(o_mmsghdrs),
        a_uint,
        a_msg_flags,
        a_kept_timeout,
        ret=r_recvmmsg,
    ),
    "shutdown": sig(a_fd, a_shut),
    "setsockopt": sig(a_fd, a_level, a_setoptname, a_setoptval, a_int),
    "getsockopt": sig(
        _keep(4), a_level, a_getoptname, out(o_getoptval), out(o_socklen)
    ),
}

__all__ = ["SIGNATURES"]
