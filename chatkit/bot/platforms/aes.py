"""AES-256-CBC with PKCS#7 padding, the cipher WeCom and Feishu encrypt their callbacks with.

Both directions: the bot decrypts what a platform sends, and the local chat platform
(:mod:`chatkit.im`) encrypts what it sends the way the real platform does. The two
platforms differ only in where the key and the IV come from and in the padding block
(WeCom pads to 32 bytes, Feishu to AES's 16); see their modules.

>>> key, iv = bytes(range(32)), bytes(16)
>>> decrypt(key, iv, encrypt(key, iv, b"hello", block=32), block=32)
b'hello'
"""

from __future__ import annotations

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 16  # AES's block size in bytes; also the IV's length


def encrypt(key: bytes, iv: bytes, plain: bytes, *, block: int = BLOCK) -> bytes:
    """``plain`` padded to a multiple of ``block`` bytes, then encrypted."""
    padder = padding.PKCS7(block * 8).padder()
    padded = padder.update(plain) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


def decrypt(key: bytes, iv: bytes, data: bytes, *, block: int = BLOCK) -> bytes:
    """The plaintext, or ValueError when ``data`` is not a whole number of blocks or its padding is wrong.

    A wrong key nearly always shows as wrong padding: the last block decrypts to noise.
    """
    if not data or len(data) % BLOCK:
        raise ValueError("not a whole number of AES blocks")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    unpadder = padding.PKCS7(block * 8).unpadder()
    return unpadder.update(decryptor.update(data) + decryptor.finalize()) + unpadder.finalize()
