"""Signed credentials: W3C Verifiable Credentials 2.0 in the Open Badges 3.0 shape.

Everything here works on plain data and files, without the database: the cryptosuite
(`proof`: eddsa-jcs-2022), the keys' encodings (`multikey`) and the private key's file
(`keyfile`), the key history (`keyring`), the credential's shape (`document`), the
revocation list (`status_list`) and the checks a verifier runs (`verify`). The
registry's queries and commands feed them what the event log knows.
"""
