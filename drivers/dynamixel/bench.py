"""`main.py bench --bus`: one sync read of 2x9 servos plus one sync write, on the virtual bus."""

from __future__ import annotations

import argparse
import json
import multiprocessing
import time

import numpy as np

CYCLES = 1000
FOLLOWERS = ("follower_left", "follower_right")


def _serve_virtual_aloha(ports_out, stop) -> None:  # runs in a child process
    from drivers.virtual_bus import VirtualAloha

    with VirtualAloha("static") as virtual:
        ports_out.send(virtual.ports)
        stop.wait()


def run_bench(args: argparse.Namespace) -> int:
    """Time CYCLES control cycles against a virtual ALOHA served by another process."""
    from tqdm import tqdm

    from drivers.dynamixel import control_table as ct
    from drivers.dynamixel.aloha_arm import AlohaArm
    from drivers.dynamixel.arm_config import ArmConfig

    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    stop = context.Event()
    # Another process, as a real bus is another device: the server does not share our GIL.
    server = context.Process(target=_serve_virtual_aloha, args=(send, stop), daemon=True)
    server.start()
    arms: list[AlohaArm] = []
    try:
        if not receive.poll(30):
            raise RuntimeError("the virtual ALOHA did not start within 30 s")
        ports = receive.recv()
        # 100 ms reply timeout, not ~34 ms: a busy machine may stall the serving process.
        arms = [
            AlohaArm(ArmConfig(role, ports[role], min_reply_timeout_ms=100)) for role in FOLLOWERS
        ]
        for arm in arms:
            arm.connect()  # sets Return_Delay_Time 0 and torque on, as on a real ALOHA
        all_ids = [servo.id for servo in arms[0].spec.servos]
        cycle_ms, arm_ms = [], []
        cpu_start = time.process_time()
        for cycle in tqdm(range(CYCLES), desc="bus cycles", unit="cycle"):
            goal = 2048 + int(200 * np.sin(cycle / 50))
            start = time.perf_counter()
            for arm in arms:
                arm.bus.sync_read(ct.STATE_BLOCK, all_ids)
            for arm in arms:
                arm.bus.sync_write("Goal_Position", {i: goal for i in arm.spec.primary_ids})
            cycle_ms.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            for arm in arms:  # the same through the Arm interface (7 primaries, SI units)
                arm.send_action(arm.read_state().qpos)
            arm_ms.append((time.perf_counter() - start) * 1000)
        # CPU time of this process per cycle: the driver's own cost, whatever the machine's load.
        cpu_ms = (time.process_time() - cpu_start) * 1000 / (2 * CYCLES)
        retries = sum(arm.bus.stats.retries for arm in arms)
    finally:
        for arm in arms:
            arm.disconnect()  # before the bus goes away
        stop.set()
        server.join(timeout=5)
    result = {
        "bench": "bus",
        "cycles": CYCLES,
        "servos": 2 * len(all_ids),
        "median_ms": round(float(np.median(cycle_ms)), 3),
        "p99_ms": round(float(np.percentile(cycle_ms, 99)), 3),
        "max_ms": round(float(np.max(cycle_ms)), 3),
        "arm_median_ms": round(float(np.median(arm_ms)), 3),
        "arm_p99_ms": round(float(np.percentile(arm_ms, 99)), 3),
        "driver_cpu_ms": round(cpu_ms, 3),
        "retries": retries,
    }
    print(
        f"sync read 2x{len(all_ids)} servos + sync write, {CYCLES} cycles on the virtual bus: "
        f"median {result['median_ms']} ms, p99 {result['p99_ms']} ms, max {result['max_ms']} ms\n"
        f"through AlohaArm.read_state + send_action (2 arms): median "
        f"{result['arm_median_ms']} ms, p99 {result['arm_p99_ms']} ms; "
        f"driver CPU {result['driver_cpu_ms']} ms per cycle; retries {retries}"
    )
    if args.json:
        print(json.dumps(result))
    return 0
