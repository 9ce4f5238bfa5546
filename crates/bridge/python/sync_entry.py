"""A synchronous entry point: a plain function that Python calls without
await, which runs async Rust to completion with block_on on the shared Tokio
runtime, and lets go of the GIL while it waits."""

from bridge import call_back_sync, stuck_without_detach


def callback() -> str:
    print("callback: running")
    return "from Python"


def main() -> None:
    print(f"call_back_sync returned {call_back_sync(callback)!r}")
    print(f"without detach: {stuck_without_detach(callback)}")


if __name__ == "__main__":
    main()
