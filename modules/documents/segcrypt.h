#ifndef DOCUMENTS_SEGCRYPT_H
#define DOCUMENTS_SEGCRYPT_H
/*
 * The at-rest format of a document: its plaintext cut into SEG_PLAIN-byte
 * segments (the last one may be shorter), each sealed on its own with
 * AES-256-GCM under the document's data key:
 *
 *   sealed segment = nonce (12 random bytes) || ciphertext || tag (16)
 *   associated data = "clinic-doc-seg-v1" || index (8 bytes, big-endian) || kind (1 byte)
 *
 * Segment i of the file starts at byte i * SEG_SEALED, so any segment can be
 * read or rewritten alone. kind says where the segment stands: SEG_MIDDLE
 * (more follow), SEG_LAST (the end of the document) or SEG_PARTIAL (the
 * unfinished tail of an upload in progress, kept in a file of its own).
 * Binding index and kind means segments cannot be reordered, dropped,
 * duplicated, or the document cut short at a segment boundary without
 * seg_open() failing. Pure functions over OpenSSL; nothing is allocated.
 */
#include <stddef.h>
#include <stdint.h>

#define SEG_PLAIN	65536
#define SEG_NONCE	12
#define SEG_TAG		16
#define SEG_OVERHEAD	(SEG_NONCE + SEG_TAG)
#define SEG_SEALED	(SEG_PLAIN + SEG_OVERHEAD)
#define SEG_KEY_LEN	32

enum seg_kind {
	SEG_MIDDLE = 0,
	SEG_LAST = 1,
	SEG_PARTIAL = 2,
	SEG__MAX
};

/*
 * Seals len (<= SEG_PLAIN) bytes of in as segment index of the given kind
 * into out, which needs len + SEG_OVERHEAD bytes. Returns 0, or -1 on bad
 * arguments or library failure (out is then meaningless).
 */
int		 seg_seal(const unsigned char key[SEG_KEY_LEN], uint64_t index,
		    enum seg_kind kind, const unsigned char *in, size_t len, unsigned char *out);
/*
 * Opens a sealed segment of len bytes (SEG_OVERHEAD..SEG_SEALED) expected to
 * be segment index of the given kind into out (room for len - SEG_OVERHEAD
 * bytes) and sets *outlen. Returns 0, or -1 when it is malformed, was sealed
 * under another key, index or kind, or was altered (out is then zeroed).
 */
int		 seg_open(const unsigned char key[SEG_KEY_LEN], uint64_t index,
		    enum seg_kind kind, const unsigned char *in, size_t len,
		    unsigned char *out, size_t *outlen);

/* How many segments a document of length bytes has (0 for an empty one). */
uint64_t	 seg_count(uint64_t length);
/* Where segment index starts in the file. */
uint64_t	 seg_offset(uint64_t index);
/* The plaintext length of segment index of a document of length bytes. */
size_t		 seg_plain_len(uint64_t length, uint64_t index);
/* The size of the finished file for a document of length bytes. */
uint64_t	 seg_file_size(uint64_t length);

#endif
