"""Example deployment settings: copy to instance/config.py and adjust.

Every key can also be set in the environment with the SCHOOLALERT_ prefix
(SCHOOLALERT_DATABASE_URL, …); the environment wins over this file.
Never put secrets here in production: pass SECRET_KEY and MASTER_KEY through the environment
or a secret store.
"""

# ENV = "production"   # refuses to start with DEBUG, SQLite, or missing/default secrets
# DATABASE_URL = "postgresql+psycopg://schoolalert@db.internal/schoolalert"
# REDIS_URL = "redis://redis.internal:6379/0"   # RQ jobs and shared rate limits
# BASE_URL = "https://schoolalert.politie.example"   # used in links inside e-mail
# TRUSTED_PROXIES = 1   # number of reverse proxies in front of the app

# MAIL_SERVER = "smtp.politie.example"
# MAIL_PORT = 587
# MAIL_USE_TLS = True
# MAIL_USERNAME = "schoolalert"
# MAIL_SENDER = "Schoolalert <no-reply@politie.example>"

# PLUGINS_ENABLED = "regional,referral"   # fixes the enabled plugins for this deployment

# Keys of alerts and of the audit trail, outside the database (docs/security.md):
# KEY_STORE = "file"            # one file per key in KEY_STORE_PATH (default: instance/keys);
# KEY_STORE_PATH = "/srv/schoolalert/keys"   # never back this folder up
# KEY_STORE = "pkcs11"          # or an HSM; PKCS11_PIN from the environment
# PKCS11_LIBRARY = "/usr/lib/softhsm/libsofthsm2.so"
# PKCS11_TOKEN_LABEL = "schoolalert"
# AUDIT_CHECKPOINT_PATH = "/srv/schoolalert/audit-checkpoints.jsonl"   # also in the log

# SESSION_IDLE_POLICE = 15 * 60
# SESSION_IDLE_OTHERS = 30 * 60
