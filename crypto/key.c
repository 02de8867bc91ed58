/*
 * X25519 node keys.
 *
 * Every copy of a private key that this file makes (decode buffers, file
 * contents, re-encoded text) is wiped with sodium_memzero before the
 * function returns, on every path.  Messages never quote key material.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "compat/util.h"
#include "crypto/key.h"

/* A key file holds 44 characters and a line end; anything bigger is wrong. */
#define KEY_FILE_MAX	128

/*
 * sodium_init is idempotent, thread-safe and cheap once done (no system
 * calls), so every entry point calls it: callers such as hamctl genkey need
 * not know about libsodium.  Daemons still call it before they sandbox
 * themselves, since the first call may open /dev/urandom.
 */
static void
key_sodium_init(void)
{
	if (sodium_init() < 0)
		abort();	/* no usable randomness: nothing safe to do */
}

void
key_generate(uint8_t priv[KEY_LEN])
{
	key_sodium_init();
	randombytes_buf(priv, KEY_LEN);
	/* RFC 7748 section 5 clamping, stored so the file is canonical. */
	priv[0] &= 248;
	priv[31] &= 127;
	priv[31] |= 64;
}

int
key_public(uint8_t pub[KEY_LEN], const uint8_t priv[KEY_LEN])
{
	key_sodium_init();
	/*
	 * libsodium clamps the scalar itself.  Some versions already return
	 * -1 for an all-zero result; check anyway so the contract holds on
	 * every version.
	 */
	if (crypto_scalarmult_base(pub, priv) != 0 ||
	    sodium_is_zero(pub, KEY_LEN)) {
		sodium_memzero(pub, KEY_LEN);
		return -1;
	}
	return 0;
}

void
key_to_base64(char out[KEY_B64_LEN + 1], const uint8_t key[KEY_LEN])
{
	key_sodium_init();
	(void)sodium_bin2base64(out, KEY_B64_LEN + 1, key, KEY_LEN,
	    sodium_base64_VARIANT_ORIGINAL);
}

int
key_from_base64(uint8_t key[KEY_LEN], const char *in)
{
	uint8_t		 tmp[KEY_LEN];
	char		 canon[KEY_B64_LEN + 1];
	const char	*end = NULL;
	size_t		 binlen = 0;
	int		 ret = -1;

	key_sodium_init();
	if (in == NULL || strnlen(in, KEY_B64_LEN + 1) != KEY_B64_LEN)
		return -1;
	/* 32 bytes encode to 43 characters and exactly one '='. */
	if (in[KEY_B64_LEN - 1] != '=' || in[KEY_B64_LEN - 2] == '=')
		return -1;
	if (sodium_base642bin(tmp, sizeof(tmp), in, KEY_B64_LEN, NULL,
	    &binlen, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    binlen != KEY_LEN || end != in + KEY_B64_LEN)
		goto out;
	/*
	 * Only the canonical text is accepted (no stray bits in the last
	 * character), so one key has exactly one spelling in configs, logs
	 * and comparisons.  Re-encoding checks that on any libsodium.
	 */
	key_to_base64(canon, tmp);
	if (sodium_memcmp(canon, in, KEY_B64_LEN) != 0)
		goto out;
	memcpy(key, tmp, KEY_LEN);
	ret = 0;
 out:
	sodium_memzero(tmp, sizeof(tmp));
	sodium_memzero(canon, sizeof(canon));
	return ret;
}

int
key_is_zero(const uint8_t key[KEY_LEN])
{
	key_sodium_init();
	return sodium_is_zero(key, KEY_LEN);
}

int
key_is_low_order(const uint8_t key[KEY_LEN])
{
	/*
	 * X25519 clamps every scalar to a multiple of 8, the cofactor, so
	 * it sends exactly the points whose order divides 8 to zero: the
	 * math decides, not a list of encodings that could miss one.  The
	 * scalar is 2^254 + 8 once clamped, no multiple of either large
	 * prime order (curve or twist).
	 */
	static const uint8_t	 scalar[KEY_LEN] = { 9 };
	uint8_t			 out[KEY_LEN];
	int			 low;

	key_sodium_init();
	low = crypto_scalarmult(out, scalar, key) != 0 ||
	    sodium_is_zero(out, KEY_LEN);
	sodium_memzero(out, sizeof(out));
	return low;
}

static const char *
filetype(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISLNK(m))
		return "a symbolic link";
	return "not a regular file";
}

int
key_file_read(const char *path, uint8_t key[KEY_LEN], char *err,
    size_t errlen)
{
	/* One byte more than allowed, to notice a file that grew. */
	char		 buf[KEY_FILE_MAX + 1];
	struct stat	 st;
	size_t		 len = 0, keylen;
	ssize_t		 n;
	int		 fd, ret = -1;

	key_sodium_init();
	/*
	 * O_NOFOLLOW: a symlink could point the root-run parent at a file an
	 * attacker chose.  O_NONBLOCK: opening a FIFO must not hang the
	 * daemon; it is then refused as not a regular file.
	 */
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) == -1) {
		if (errno == ELOOP)
			seterr(err, errlen, "key file %s is a symbolic link; "
			    "refusing to follow it: name the real file "
			    "instead", path);
		else if (errno == ENOENT)
			seterr(err, errlen, "cannot open key file %s: %s; "
			    "create one with: hamctl genkey %s",
			    path, strerror(errno), path);
		else
			seterr(err, errlen, "cannot open key file %s: %s",
			    path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		seterr(err, errlen, "cannot stat key file %s: %s", path,
		    strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		seterr(err, errlen, "key file %s is %s; it must be a regular "
		    "file holding one base64 key", path, filetype(st.st_mode));
		goto out;
	}
	if (st.st_uid != geteuid()) {
		seterr(err, errlen, "key file %s is owned by uid %lu, not by "
		    "uid %lu that reads it; fix with: chown %lu %s", path,
		    (unsigned long)st.st_uid, (unsigned long)geteuid(),
		    (unsigned long)geteuid(), path);
		goto out;
	}
	if (st.st_mode & 077) {
		seterr(err, errlen, "key file %s is readable or writable by "
		    "others (mode %04o); fix with: chmod 600 %s", path,
		    (unsigned int)(st.st_mode & 07777), path);
		goto out;
	}
	if (st.st_size > KEY_FILE_MAX) {
		seterr(err, errlen, "key file %s is too large (%lld bytes); "
		    "it must hold one base64 key of %d characters", path,
		    (long long)st.st_size, KEY_B64_LEN);
		goto out;
	}
	while (len < sizeof(buf)) {
		n = read(fd, buf + len, sizeof(buf) - len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			seterr(err, errlen, "cannot read key file %s: %s",
			    path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > KEY_FILE_MAX) {
		seterr(err, errlen, "key file %s is too large; it must hold "
		    "one base64 key of %d characters", path, KEY_B64_LEN);
		goto out;
	}
	if (len == 0) {
		seterr(err, errlen, "key file %s is empty; remove it and "
		    "create a new key with: hamctl genkey %s", path, path);
		goto out;
	}

	/* The key, then at most one line end, then nothing. */
	keylen = len;
	if (keylen > 0 && buf[keylen - 1] == '\n') {
		keylen--;
		if (keylen > 0 && buf[keylen - 1] == '\r')
			keylen--;
	}
	if (keylen != KEY_B64_LEN || memchr(buf, '\0', keylen) != NULL) {
		seterr(err, errlen, "key file %s does not hold exactly one "
		    "base64 key (%d characters and an optional newline); "
		    "fix its content or create a new key with: hamctl genkey",
		    path, KEY_B64_LEN);
		goto out;
	}
	buf[keylen] = '\0';
	if (key_from_base64(key, buf) == -1) {
		seterr(err, errlen, "key file %s does not hold a valid base64 "
		    "key; fix its content or create a new key with: "
		    "hamctl genkey", path);
		goto out;
	}
	ret = 0;
 out:
	sodium_memzero(buf, sizeof(buf));
	(void)close(fd);
	return ret;
}

/* The key is only durable once its directory entry is. Best effort. */
static void
sync_parent_dir(const char *path)
{
	char		 dir[PATH_MAX];
	const char	*slash;
	size_t		 len;
	int		 fd;

	if ((slash = strrchr(path, '/')) == NULL) {
		len = 1;
		dir[0] = '.';
	} else if (slash == path) {
		len = 1;
		dir[0] = '/';
	} else {
		len = (size_t)(slash - path);
		if (len >= sizeof(dir))
			return;
		memcpy(dir, path, len);
	}
	dir[len] = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return;
	(void)fsync(fd);
	(void)close(fd);
}

int
key_file_write(const char *path, const uint8_t key[KEY_LEN], char *err,
    size_t errlen)
{
	char	 buf[KEY_B64_LEN + 1];
	size_t	 off = 0;
	ssize_t	 n;
	int	 fd, ret = -1;

	key_sodium_init();
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC | O_NOCTTY, 0600)) == -1) {
		if (errno == EEXIST)
			seterr(err, errlen, "key file %s already exists; a key "
			    "file is never overwritten: remove it first if "
			    "you really mean to replace the key", path);
		else
			seterr(err, errlen, "cannot create key file %s: %s",
			    path, strerror(errno));
		return -1;
	}
	/* The creation mode went through the umask; 0600 is not optional. */
	if (fchmod(fd, 0600) == -1) {
		seterr(err, errlen, "cannot set mode 0600 on key file %s: %s",
		    path, strerror(errno));
		goto fail;
	}

	key_to_base64(buf, key);
	buf[KEY_B64_LEN] = '\n';
	while (off < sizeof(buf)) {
		n = write(fd, buf + off, sizeof(buf) - off);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			seterr(err, errlen, "cannot write key file %s: %s",
			    path, strerror(errno));
			goto fail;
		}
		off += (size_t)n;
	}
	if (fsync(fd) == -1) {
		seterr(err, errlen, "cannot write key file %s to disk: %s",
		    path, strerror(errno));
		goto fail;
	}
	if (close(fd) == -1) {
		fd = -1;
		seterr(err, errlen, "cannot write key file %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	fd = -1;
	sync_parent_dir(path);
	ret = 0;
	goto out;

 fail:
	/* We created it (O_EXCL), so a partial key file is ours to remove. */
	(void)unlink(path);
 out:
	if (fd != -1)
		(void)close(fd);
	sodium_memzero(buf, sizeof(buf));
	return ret;
}
