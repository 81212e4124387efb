"""The live fan-out benchmark's client: opens N subscriber connections on one asyncio loop,
waits until every one has its first message, then triggers one change and records, per
subscriber, how long after the trigger was sent the change arrived.

  live-fanout.py sse HOST PORT SHOWTIME_ID TOKEN SEAT_LABEL N
      N pages on GET /showtimes/{id}/live; the trigger: a customer holds SEAT_LABEL through
      POST /api/v1/showtimes/{id}/orders; the change: the first `event: change`.
  live-fanout.py redis HOST PORT - - - N
      N Redis SUBSCRIBE connections on one channel; the trigger: one PUBLISH.

Prints one JSON line: subscribers, how many got the change, p50 / p99 / max milliseconds.
"""
import asyncio
import json
import sys
import time

mode, host, port, showtime, token, seat, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6], int(sys.argv[7])
CONNECT_AT_ONCE = 500
TIMEOUT_S = 60


async def sse_subscriber(ready, trigger, arrivals):
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"GET /showtimes/{showtime}/live HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n\r\n".encode())
    await writer.drain()
    buffer = b""
    first = True
    while True:
        chunk = await reader.read(65536)
        if not chunk:
            raise RuntimeError(f"the stream ended: {buffer[:400]!r}")
        buffer += chunk
        if b"event: unavailable" in buffer:
            raise RuntimeError("the server ended the stream: unavailable (too many pages open?)")
        if first and b"event: seats" in buffer:
            first = False
            buffer = b""
            ready()
        elif b"event: change" in buffer:
            arrivals.append(time.perf_counter() - await trigger)
            writer.close()
            return


async def redis_subscriber(ready, trigger, arrivals):
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(b"SUBSCRIBE fanout\r\n")
    await writer.drain()
    buffer = b""
    first = True
    while True:
        chunk = await reader.read(65536)
        if not chunk:
            raise RuntimeError("the connection ended")
        buffer += chunk
        if first and b"subscribe" in buffer:
            first = False
            buffer = b""
            ready()
        elif b"message" in buffer and b"change" in buffer:
            arrivals.append(time.perf_counter() - await trigger)
            writer.close()
            return


async def sse_trigger():
    reader, writer = await asyncio.open_connection(host, port)
    body = json.dumps({"seats": [seat]}).encode()
    writer.write(f"POST /api/v1/showtimes/{showtime}/orders HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
                 f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
    await writer.drain()
    answer = await reader.read(65536)
    if not answer.startswith(b"HTTP/1.1 201"):
        raise RuntimeError(f"the hold was refused: {answer[:300]!r}")


async def redis_trigger():
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(b"PUBLISH fanout change\r\n")
    await writer.drain()
    await reader.readline()


async def main():
    loop = asyncio.get_running_loop()
    connected = 0
    all_ready = loop.create_future()
    trigger = loop.create_future()
    arrivals = []

    def ready():
        nonlocal connected
        connected += 1
        if connected == count and not all_ready.done():
            all_ready.set_result(None)

    subscriber = sse_subscriber if mode == "sse" else redis_subscriber
    tasks = []
    for start in range(0, count, CONNECT_AT_ONCE):
        batch = [asyncio.create_task(subscriber(ready, trigger, arrivals)) for _ in range(start, min(count, start + CONNECT_AT_ONCE))]
        tasks += batch
        deadline = time.monotonic() + TIMEOUT_S
        while connected < min(count, start + CONNECT_AT_ONCE):
            failed = [task for task in batch if task.done() and task.exception()]
            if failed:
                raise failed[0].exception()
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {connected} of {min(count, start + CONNECT_AT_ONCE)} subscribers got their first message")
            await asyncio.sleep(0.01)
    await asyncio.wait_for(all_ready, TIMEOUT_S)
    await asyncio.sleep(1)
    sent = time.perf_counter()
    trigger.set_result(sent)
    await (sse_trigger() if mode == "sse" else redis_trigger())
    done, pending = await asyncio.wait(tasks, timeout=TIMEOUT_S)
    for task in pending:
        task.cancel()
    latencies = sorted(ms * 1000 for ms in arrivals)
    pick = lambda q: round(latencies[min(len(latencies) - 1, int(q * len(latencies)))], 1) if latencies else None
    print(json.dumps({"mode": mode, "subscribers": count, "received": len(latencies), "p50_ms": pick(0.5), "p99_ms": pick(0.99),
                      "max_ms": round(latencies[-1], 1) if latencies else None}))


asyncio.run(main())
