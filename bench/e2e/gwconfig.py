"""Gateway configuration files for the scenarios (TOML text, written mode 600)."""

import os

PARTNER_PASSWORD = "bench1"
CARRIER_SYSTEM_ID = "gateway"
CARRIER_PASSWORD = "secret"


def client_bind(name, carrier_port, tps_limit=10000, window=100):
    return f"""
[[binds]]
name = "{name}"
bind_type = "transceiver"
host = "127.0.0.1"
port = {carrier_port}
system_id = "{CARRIER_SYSTEM_ID}"
password = "{CARRIER_PASSWORD}"
tps_limit = {tps_limit}
window_size = {window}
queue_check_frequency = 100
reconnect_min_backoff = 1
reconnect_max_backoff = 2
"""


def server_bind(name, system_id, tps_limit=100000, window=64, extra=""):
    """A partner bind; `tps_limit` defaults to the most a server bind accepts (100000)."""
    return f"""
[[server_binds]]
name = "{name}"
system_id = "{system_id}"
password = "{PARTNER_PASSWORD}"
allowed_bind_types = ["transmitter", "receiver", "transceiver"]
ip_whitelist = ["127.0.0.1"]
tps_limit = {tps_limit}
window_size = {window}
queue_check_frequency = 100
{extra}"""


def gateway_toml(api_port, listen_port, metrics_port, web_port, cache_dir,
                 client_binds=(), server_binds=(), max_connections=100, api_threads=None,
                 top_extra=""):
    """The whole file: plain logging at warn, sidecar off, listener on 127.0.0.1."""
    listen = f"""
[listen]
host = "127.0.0.1"
port = {listen_port}
max_connections = {max_connections}
""" if server_binds else ""
    return f"""# Written by bench/e2e for one benchmark run.
api_base_url = "http://127.0.0.1:{api_port}"
smsc_name = "bench"
cache_dir = "{cache_dir}"
log_level = "warn"
{f"api_pool_threads = {api_threads}" if api_threads else ""}
{top_extra}
{''.join(client_binds)}{''.join(server_binds)}{listen}
[metrics]
enabled = false
port = {metrics_port}

[web]
enabled = false
port = {web_port}
"""


def write(run_dir, text):
    path = os.path.join(run_dir, "gateway.toml")
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)
    return path
