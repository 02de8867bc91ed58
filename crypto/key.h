/*
 * X25519 node keys: generation, base64 text form (the WireGuard format:
 * 44 characters of standard base64 for 32 bytes) and key files.
 */
#ifndef HAMD_KEY_H
#define HAMD_KEY_H

#include <stddef.h>
#include <stdint.h>

#define KEY_LEN		32
#define KEY_B64_LEN	44	/* without the terminating NUL */

/* Fill priv with a new clamped X25519 private key. */
void	key_generate(uint8_t priv[KEY_LEN]);
/* Derive the public key; -1 if the result is the all-zero (low-order) point. */
int	key_public(uint8_t pub[KEY_LEN], const uint8_t priv[KEY_LEN]);
/* Encode into out (KEY_B64_LEN + 1 bytes, NUL-terminated). */
void	key_to_base64(char out[KEY_B64_LEN + 1], const uint8_t key[KEY_LEN]);
/*
 * Decode exactly one key: 44 characters, standard alphabet, one '='
 * padding, nothing before or after.  0 or -1.
 */
int	key_from_base64(uint8_t key[KEY_LEN], const char *in);
/* Constant-time check for the all-zero key. */
int	key_is_zero(const uint8_t key[KEY_LEN]);
/*
 * Is this public key a point of small order (on the curve or its twist,
 * in any of its encodings, all zeros included)?  A Diffie-Hellman with
 * such a key gives a result anyone can guess, whatever our private key.
 */
int	key_is_low_order(const uint8_t key[KEY_LEN]);

/*
 * Read a key file: one base64 key, optionally followed by a newline.
 * The file must be a regular file that neither group nor others can
 * read or write, owned by the caller's uid.  On error returns -1 and
 * writes a message that says what to do into err (errlen bytes).
 */
int	key_file_read(const char *path, uint8_t key[KEY_LEN],
	    char *err, size_t errlen);
/*
 * Create a key file with mode 0600 holding key (O_EXCL: an existing file
 * is never overwritten).  0, or -1 with a message in err.
 */
int	key_file_write(const char *path, const uint8_t key[KEY_LEN],
	    char *err, size_t errlen);

#endif
