"""Residents' errands: from a nearby shop of the kind to the home, in a window of 1-3 hours."""

from __future__ import annotations

from collections.abc import Mapping

import attrs
import numpy as np
from scipy.spatial import cKDTree

from dispatch.model import Errand, Stop, TimeWindow
from dispatch.synthetic._city import DAY_S, QUARTER_S, City

__all__ = ["ERRAND_MIX", "KINDS", "Kind", "errands"]

_NEAREST_SHOPS = 3  # an errand's shop is one of the resident's nearest of its kind
_FIRST_DROPOFF_S = 8 * 3600  # drop-off windows open from 08:00 ...
_WINDOW_QUARTERS = (4, 12)  # ... and last 1-3 hours, closing by the end of the day
_PICKUP_LEAD_S = 3600  # the pickup window opens an hour before the drop-off window


@attrs.frozen(kw_only=True)
class Kind:
    """One errand kind: its share of the shops, loads, service times and maximum ride."""

    shop_share: float
    loads: tuple[int, ...]
    load_p: tuple[float, ...]
    pickup_s: tuple[int, int]
    dropoff_s: tuple[int, int]
    max_ride: tuple[float, int] | None = None  # (share of errands that have one, seconds)


KINDS: Mapping[str, Kind] = {
    "groceries": Kind(  # supermarkets and markets; fresh or frozen food must not wait long
        shop_share=0.45,
        loads=(1, 2),
        load_p=(0.7, 0.3),
        pickup_s=(120, 300),
        dropoff_s=(60, 180),
        max_ride=(0.3, 3600),
    ),
    "medicine": Kind(  # pharmacies; a few cold-chain items (insulin)
        shop_share=0.25,
        loads=(1,),
        load_p=(1.0,),
        pickup_s=(60, 180),
        dropoff_s=(60, 180),
        max_ride=(0.1, 2700),
    ),
    "water": Kind(  # water stations; heavy, carried upstairs
        shop_share=0.15,
        loads=(2,),
        load_p=(1.0,),
        pickup_s=(120, 240),
        dropoff_s=(120, 300),
    ),
    "clothes": Kind(  # clothing shops and tailors
        shop_share=0.15,
        loads=(1,),
        load_p=(1.0,),
        pickup_s=(60, 180),
        dropoff_s=(60, 120),
    ),
}

ERRAND_MIX = {"groceries": 0.45, "medicine": 0.25, "water": 0.2, "clothes": 0.1}
"""Default share of each errand kind."""


def errands(city: City, counts: Mapping[str, int], rng: np.random.Generator) -> list[Errand]:
    """``counts[kind]`` errands of each kind, shuffled, ids ``errand-00001``, ...

    Priority is 1, plus 1 when the household has an elder, plus 1 for medicine.
    """
    total = sum(counts.values())
    width = max(5, len(str(total)))
    kinds = np.repeat(np.arange(len(counts)), list(counts.values()))[rng.permutation(total)]
    homes = rng.choice(city.homes, total)
    shops = np.zeros(total, dtype=np.int64)
    load = np.zeros(total, dtype=np.int64)
    pickup_s = np.zeros(total, dtype=np.int64)
    dropoff_s = np.zeros(total, dtype=np.int64)
    max_ride_s = np.zeros(total, dtype=np.int64)  # 0: none
    for k, name in enumerate(counts):
        mine = np.flatnonzero(kinds == k)
        if mine.size == 0:
            continue
        spec, stock = KINDS[name], city.shops[name]
        nearest = min(_NEAREST_SHOPS, stock.size)
        _, hits = cKDTree(city.xy[stock]).query(city.xy[homes[mine]], k=nearest)
        hits = np.asarray(hits, dtype=np.int64).reshape(mine.size, nearest)
        shops[mine] = stock[hits[np.arange(mine.size), rng.integers(0, nearest, mine.size)]]
        load[mine] = rng.choice(np.array(spec.loads), mine.size, p=spec.load_p)
        pickup_s[mine] = rng.integers(spec.pickup_s[0], spec.pickup_s[1] + 1, mine.size)
        dropoff_s[mine] = rng.integers(spec.dropoff_s[0], spec.dropoff_s[1] + 1, mine.size)
        if spec.max_ride is not None:
            share, ride_s = spec.max_ride
            max_ride_s[mine] = np.where(rng.random(mine.size) < share, ride_s, 0)
    width_s = QUARTER_S * rng.integers(_WINDOW_QUARTERS[0], _WINDOW_QUARTERS[1] + 1, total)
    starts = (DAY_S[1] - width_s - _FIRST_DROPOFF_S) // QUARTER_S + 1
    opens_s = _FIRST_DROPOFF_S + QUARTER_S * np.floor(rng.random(total) * starts).astype(np.int64)
    medicine = list(counts).index("medicine") if "medicine" in counts else -1
    priority = 1 + city.elder[homes].astype(np.int64) + (kinds == medicine)
    names = list(counts)
    out: list[Errand] = []
    for k, (kind, shop, home, opens, closes, units, pick, drop, rank, ride) in enumerate(
        zip(
            kinds.tolist(),
            shops.tolist(),
            homes.tolist(),
            opens_s.tolist(),
            (opens_s + width_s).tolist(),
            load.tolist(),
            pickup_s.tolist(),
            dropoff_s.tolist(),
            priority.tolist(),
            max_ride_s.tolist(),
            strict=True,
        )
    ):
        out.append(
            Errand(
                id=f"errand-{k + 1:0{width}d}",
                kind=names[kind],
                pickup=Stop(
                    location=city.location(shop),
                    windows=TimeWindow(max(DAY_S[0], opens - _PICKUP_LEAD_S), closes),
                    service_s=pick,
                ),
                dropoff=Stop(
                    location=city.location(home),
                    windows=TimeWindow(opens, closes),
                    service_s=drop,
                ),
                load=units,
                priority=rank,
                max_ride_s=ride or None,
            )
        )
    return out
