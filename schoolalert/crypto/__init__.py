"""Cryptography shared by the whole application, independent of any domain.

- :mod:`schoolalert.crypto.aead` — the AES-256-GCM blob format, associated data, HKDF and the
  wrapping of a key under the master key;
- :mod:`schoolalert.crypto.sealing` — small secrets at rest (TOTP secrets …) sealed under keys
  derived from the master key;
- :mod:`schoolalert.crypto.keystore` — the ``KeyStore`` interface and the file store, which
  hold the alerts' keys and the audit key outside the database;
- :mod:`schoolalert.crypto.pkcs11` — the key store in a hardware security module.
"""
