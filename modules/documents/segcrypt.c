#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "segcrypt.h"

static const char	label[] = "clinic-doc-seg-v1";
#define AAD_LEN		(sizeof(label) - 1 + 8 + 1)

static void
make_aad(unsigned char aad[AAD_LEN], uint64_t index, enum seg_kind kind)
{
	int	i;

	memcpy(aad, label, sizeof(label) - 1);
	for (i = 0; i < 8; i++)
		aad[sizeof(label) - 1 + (size_t)i] = (unsigned char)(index >> (56 - 8 * i));
	aad[AAD_LEN - 1] = (unsigned char)kind;
}

int
seg_seal(const unsigned char key[SEG_KEY_LEN], uint64_t index, enum seg_kind kind,
    const unsigned char *in, size_t len, unsigned char *out)
{
	EVP_CIPHER_CTX	*c;
	unsigned char	 aad[AAD_LEN];
	int		 n, fin, ok;

	if (len > SEG_PLAIN || (unsigned)kind >= SEG__MAX || (len > 0 && in == NULL))
		return -1;
	if (RAND_bytes(out, SEG_NONCE) != 1 || (c = EVP_CIPHER_CTX_new()) == NULL)
		return -1;
	make_aad(aad, index, kind);
	ok = EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, SEG_NONCE, NULL) == 1 &&
	    EVP_EncryptInit_ex(c, NULL, NULL, key, out) == 1 &&
	    EVP_EncryptUpdate(c, NULL, &n, aad, (int)sizeof(aad)) == 1 &&
	    (len == 0 || EVP_EncryptUpdate(c, out + SEG_NONCE, &n, in, (int)len) == 1) &&
	    EVP_EncryptFinal_ex(c, out + SEG_NONCE + len, &fin) == 1 &&
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, SEG_TAG, out + SEG_NONCE + len) == 1;
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

int
seg_open(const unsigned char key[SEG_KEY_LEN], uint64_t index, enum seg_kind kind,
    const unsigned char *in, size_t len, unsigned char *out, size_t *outlen)
{
	EVP_CIPHER_CTX	*c;
	unsigned char	 aad[AAD_LEN], tag[SEG_TAG];
	size_t		 plen;
	int		 n, fin, ok;

	*outlen = 0;
	if (len < SEG_OVERHEAD || len > SEG_SEALED || (unsigned)kind >= SEG__MAX)
		return -1;
	plen = len - SEG_OVERHEAD;
	if ((c = EVP_CIPHER_CTX_new()) == NULL)
		return -1;
	make_aad(aad, index, kind);
	memcpy(tag, in + SEG_NONCE + plen, SEG_TAG);
	ok = EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, SEG_NONCE, NULL) == 1 &&
	    EVP_DecryptInit_ex(c, NULL, NULL, key, in) == 1 &&
	    EVP_DecryptUpdate(c, NULL, &n, aad, (int)sizeof(aad)) == 1 &&
	    (plen == 0 || EVP_DecryptUpdate(c, out, &n, in + SEG_NONCE, (int)plen) == 1) &&
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, SEG_TAG, tag) == 1 &&
	    EVP_DecryptFinal_ex(c, out + plen, &fin) == 1;
	EVP_CIPHER_CTX_free(c);
	if (!ok) {
		if (plen > 0)
			memset(out, 0, plen);
		return -1;
	}
	*outlen = plen;
	return 0;
}

uint64_t
seg_count(uint64_t length)
{
	return length / SEG_PLAIN + (length % SEG_PLAIN != 0);
}

uint64_t
seg_offset(uint64_t index)
{
	return index * (uint64_t)SEG_SEALED;
}

size_t
seg_plain_len(uint64_t length, uint64_t index)
{
	uint64_t	start = index * (uint64_t)SEG_PLAIN;

	if (start >= length)
		return 0;
	return length - start >= SEG_PLAIN ? SEG_PLAIN : (size_t)(length - start);
}

uint64_t
seg_file_size(uint64_t length)
{
	uint64_t	n = seg_count(length);

	return n == 0 ? 0 : seg_offset(n - 1) + seg_plain_len(length, n - 1) + SEG_OVERHEAD;
}
