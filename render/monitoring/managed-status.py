def check_managed_database(r, managed):
    """The managed instance answers on the private network (pg_isready of the pinned image); every server checks."""
    try:
        host, port = open(os.path.join(ROOT, managed["endpointFile"])).read().split()[:2]
    except (OSError, ValueError) as e:
        r.add("database", "managed instance", "fail", f"no address of the managed database on this server: {e}")
        return managed["databases"]
    code, out, err = run(["docker", "run", "--rm", "--network", "host", managed["image"], "pg_isready", "-h", host, "-p", port], timeout=60)
    summary = "accepting connections" if code == 0 else (out.strip() or err or "not ready")
    r.add("database", "managed instance", "ok" if code == 0 else "fail", f"{host}:{port} {summary}")
    return managed["databases"]


