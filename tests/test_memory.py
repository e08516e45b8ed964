"""Freed heap memory goes back to the operating system."""

import numpy as np

from deep_bottleneck.memory import ReleaseFreedMemory, release_freed_memory


def resident_mib() -> float:
    with open("/proc/self/status") as status:
        return int(status.read().split("VmRSS:")[1].split()[0]) / 1024


def test_freed_heap_pages_are_returned():
    # 100 KB blocks live on glibc's heap (below its mmap threshold); the last one pins the heap's top.
    blocks = [np.ones(100 * 1024, dtype=np.uint8) for _ in range(2000)]
    kept = blocks[-1]
    del blocks
    before = resident_mib()
    release_freed_memory()
    assert resident_mib() < before - 100, "about 200 MB were freed"
    assert kept[0] == 1


def test_callback_releases_after_the_first_epochs_and_then_every_few(monkeypatch):
    callback = ReleaseFreedMemory(every=10)
    released_after = []
    for epoch in range(35):
        monkeypatch.setattr("deep_bottleneck.memory.release_freed_memory",
                            lambda epoch=epoch: released_after.append(epoch))
        callback.on_epoch_end(epoch)
    assert released_after == [0, 1, 2, 10, 20, 30]
