#!/usr/bin/env python3
"""
Independent reference for the WireGuard crypto known answers in
check_blake2s.c and check_noise.c.

Written from the WireGuard whitepaper (section 5.4), not from the C code,
on top of python3's hashlib/hmac (BLAKE2s, HMAC) and the "cryptography"
package (X25519, ChaCha20-Poly1305).  XChaCha20-Poly1305 is not in
"cryptography", so HChaCha20 is written out here and checked against the
draft-irtf-cfrg-xchacha-03 section 2.2.1 vector first.

Run: python3 tests/unit/wg_kat.py
It prints C #defines that were pasted into the tests.
"""
import hashlib
import hmac
import struct

from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey, X25519PublicKey)
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives import serialization


def HASH(x):
    return hashlib.blake2s(x).digest()


def MAC(k, x):
    return hashlib.blake2s(x, key=k, digest_size=16).digest()


def HMAC(k, x):
    return hmac.new(k, x, digestmod=hashlib.blake2s).digest()


def KDF(n, k, x):
    t0 = HMAC(k, x)
    out, prev = [], b""
    for i in range(1, n + 1):
        prev = HMAC(t0, prev + bytes([i]))
        out.append(prev)
    return out


def PUB(priv):
    return X25519PrivateKey.from_private_bytes(priv).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def DH(priv, pub):
    return X25519PrivateKey.from_private_bytes(priv).exchange(
        X25519PublicKey.from_public_bytes(pub))


def AEAD(k, n, pt, ad):
    return ChaCha20Poly1305(k).encrypt(b"\0" * 4 + struct.pack("<Q", n),
                                       pt, ad)


def rotl(v, c):
    return ((v << c) & 0xffffffff) | (v >> (32 - c))


def hchacha20(key, nonce16):
    s = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]
    s += list(struct.unpack("<8I", key)) + list(struct.unpack("<4I", nonce16))

    def qr(a, b, c, d):
        s[a] = (s[a] + s[b]) & 0xffffffff; s[d] = rotl(s[d] ^ s[a], 16)
        s[c] = (s[c] + s[d]) & 0xffffffff; s[b] = rotl(s[b] ^ s[c], 12)
        s[a] = (s[a] + s[b]) & 0xffffffff; s[d] = rotl(s[d] ^ s[a], 8)
        s[c] = (s[c] + s[d]) & 0xffffffff; s[b] = rotl(s[b] ^ s[c], 7)
    for _ in range(10):
        qr(0, 4, 8, 12); qr(1, 5, 9, 13); qr(2, 6, 10, 14); qr(3, 7, 11, 15)
        qr(0, 5, 10, 15); qr(1, 6, 11, 12); qr(2, 7, 8, 13); qr(3, 4, 9, 14)
    return struct.pack("<8I", *(s[0:4] + s[12:16]))


def XAEAD(k, nonce24, pt, ad):
    sub = hchacha20(k, nonce24[:16])
    return ChaCha20Poly1305(sub).encrypt(b"\0" * 4 + nonce24[16:], pt, ad)


assert hchacha20(bytes(range(32)),
                 bytes.fromhex("000000090000004a0000000031415927")) == \
    bytes.fromhex("82413b4227b27bfed30e42508a877d73"
                  "a0f9e4d58a74a853c12ec41326d3ecdc")


def tai64n(sec, nsec):
    return struct.pack(">QI", 0x400000000000000a + sec, nsec & ~0xffffff)


def d(name, b):
    print('#define %s \\\n\t"%s"' % (name, b.hex()))


CONSTRUCTION = b"Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"
IDENTIFIER = b"WireGuard v1 zx2c4 Jason@zx2c4.com"

# --- HMAC-BLAKE2s and HKDF -------------------------------------------
print("/* HMAC-BLAKE2s */")
d("HMAC1", HMAC(b"key", b"The quick brown fox jumps over the lazy dog"))
d("HMAC2", HMAC(bytes(range(32)), b""))
d("HMAC3", HMAC(bytes(range(100)), b"abc"))          # long key: hashed
d("HMAC4", HMAC(bytes(range(64)), bytes(range(200))))  # block-size key
print("/* HKDF: ck = Hash(construction), in = 00..1f */")
ck = HASH(CONSTRUCTION)
k1, k2, k3 = KDF(3, ck, bytes(range(32)))
d("KDF_T1", k1); d("KDF_T2", k2); d("KDF_T3", k3)
e1, e2 = KDF(2, ck, b"")
d("KDF_EMPTY_T1", e1); d("KDF_EMPTY_T2", e2)
print("/* WireGuard initial chaining key and hash */")
C0 = HASH(CONSTRUCTION)
H0 = HASH(C0 + IDENTIFIER)
d("WG_CK0", C0); d("WG_H0", H0)

# --- one WireGuard handshake ---------------------------------------
Si = HASH(b"hamd kat initiator static")
Sr = HASH(b"hamd kat responder static")
Ei = HASH(b"hamd kat initiator ephemeral")
Er = HASH(b"hamd kat responder ephemeral")
Q = HASH(b"hamd kat preshared key")
Si_pub, Sr_pub, Ei_pub, Er_pub = PUB(Si), PUB(Sr), PUB(Ei), PUB(Er)
I_idx, R_idx = 0x11223344, 0xa1b2c3d4
ts = tai64n(1700000000, 123456789)
print("/* handshake inputs */")
for n, v in (("KAT_SI", Si), ("KAT_SR", Sr), ("KAT_EI", Ei), ("KAT_ER", Er),
             ("KAT_PSK", Q), ("KAT_SI_PUB", Si_pub), ("KAT_SR_PUB", Sr_pub),
             ("KAT_TS", ts)):
    d(n, v)


def initiation(eph, eph_pub, ts, cookie=None):
    C = HASH(CONSTRUCTION)
    H = HASH(C + IDENTIFIER)
    H = HASH(H + Sr_pub)
    m = struct.pack("<BxxxI", 1, I_idx) + eph_pub
    H = HASH(H + eph_pub)
    C, = KDF(1, C, eph_pub)
    C, k = KDF(2, C, DH(eph, Sr_pub))
    enc_s = AEAD(k, 0, Si_pub, H)
    H = HASH(H + enc_s)
    C, k = KDF(2, C, DH(Si, Sr_pub))
    enc_t = AEAD(k, 0, ts, H)
    H = HASH(H + enc_t)
    m += enc_s + enc_t
    m += MAC(HASH(b"mac1----" + Sr_pub), m)
    m += MAC(cookie, m) if cookie else bytes(16)
    assert len(m) == 148
    return m, C, H


init, C, H = initiation(Ei, Ei_pub, ts)
# responder
m = struct.pack("<BxxxII", 2, R_idx, I_idx) + Er_pub
H = HASH(H + Er_pub)
C, = KDF(1, C, Er_pub)
C, = KDF(1, C, DH(Er, Ei_pub))
C, = KDF(1, C, DH(Er, Si_pub))
C, tau, k = KDF(3, C, Q)
H = HASH(H + tau)
enc_n = AEAD(k, 0, b"", H)
H = HASH(H + enc_n)
m += enc_n
m += MAC(HASH(b"mac1----" + Si_pub), m)
m += bytes(16)
assert len(m) == 92
resp = m
Ti_send, Ti_recv = KDF(2, C, b"")
print("/* messages and keys */")
d("KAT_INIT", init)
d("KAT_RESP", resp)
d("KAT_I_SEND", Ti_send)
d("KAT_I_RECV", Ti_recv)

# a data message from the initiator: counter 0, 20 bytes, MTU 1420
pt = b"hamd data plane kat!"
padded = pt + bytes(32 - len(pt))
d("KAT_DATA_PT", pt)
d("KAT_DATA", struct.pack("<BxxxIQ", 4, R_idx, 0) + AEAD(Ti_send, 0, padded, b""))
# a keepalive from the responder, counter 7
d("KAT_KEEPALIVE", struct.pack("<BxxxIQ", 4, I_idx, 7) + AEAD(Ti_recv, 7, b"", b""))

# --- cookie: responder secret Rm, source 192.0.2.1:51820 ---------------
Rm = HASH(b"hamd kat cookie secret")
src = bytes([192, 0, 2, 1]) + struct.pack(">H", 51820)
cookie = MAC(Rm, src)
nonce = HASH(b"hamd kat cookie nonce")[:24]
reply = struct.pack("<BxxxI", 3, I_idx) + nonce + \
    XAEAD(HASH(b"cookie--" + Sr_pub), nonce, cookie, init[116:132])
assert len(reply) == 64
print("/* cookie */")
d("KAT_RM", Rm)
d("KAT_SRC", src)
d("KAT_COOKIE", cookie)
d("KAT_COOKIE_REPLY", reply)
ts2 = tai64n(1700000001, 0)
init2, _, _ = initiation(Ei, Ei_pub, ts2, cookie)
d("KAT_TS2", ts2)
d("KAT_INIT2", init2)
