#!/usr/bin/env python3
"""Writes data/fixtures/: the bundled Polymarket-shaped market set the appliance analyses offline.

Deterministic (seeded). The bodies use Gamma's and the CLOB's wire format, quirks included:
string-encoded arrays, numbers as strings on markets and as numbers on events, several date
shapes, keys that are null, "" or absent. Run from the repository root:
    python3 Scripts/generate-fixtures.py
"""
import json, math, os, random

rng = random.Random(20261121)
OUT = os.path.join("data", "fixtures")
HISTORY_END = 1795392000  # 2026-11-20T00:00:00Z

TAGS = {
    "politics": {"id": "2", "label": "Politics", "slug": "politics"},
    "elections": {"id": "144", "label": "Elections", "slug": "elections"},
    "us": {"id": "1101", "label": "US Election", "slug": "us-presidential-election"},
    "economy": {"id": "100328", "label": "Economy", "slug": "economy"},
    "fed": {"id": "100196", "label": "Fed Rates", "slug": "fed-rates"},
    "geopolitics": {"id": "100265", "label": "Geopolitics", "slug": "geopolitics"},
    "world": {"id": "101970", "label": "World", "slug": "world"},
    "courts": {"id": "100343", "label": "Courts", "slug": "courts"},
}

def token_id():
    return str(rng.randint(10**75, 10**77 - 1))

def condition_id():
    return "0x" + "".join(rng.choice("0123456789abcdef") for _ in range(64))

def price_text(p):
    return ("%.4f" % p).rstrip("0").rstrip(".") if p not in (0, 1) else str(int(p))

DATE_SHAPES = [
    lambda y, m, d: "%04d-%02d-%02dT00:00:00Z" % (y, m, d),
    lambda y, m, d: "%04d-%02d-%02dT12:00:00.000Z" % (y, m, d),
    lambda y, m, d: "%04d-%02d-%02dT23:59:59.123456Z" % (y, m, d),
    lambda y, m, d: "%04d-%02d-%02d 20:00:00+00" % (y, m, d),
]

def date(y, m, d, shape=None):
    return DATE_SHAPES[rng.randrange(len(DATE_SHAPES)) if shape is None else shape](y, m, d)

books, histories, clob_markets = {}, {}, {}
market_counter = [600000]
event_counter = [90000]

def make_history(price, volatility, trend):
    """60 points, 12 hours apart, a random walk that ends at today's price."""
    points = [price]
    for _ in range(59):
        step = rng.gauss(-trend / 60, volatility)
        points.append(min(0.99, max(0.01, points[-1] + step)))
    points.reverse()
    return [{"t": HISTORY_END - (59 - i) * 43200, "p": round(p, 4)} for i, p in enumerate(points)]

def make_book(token, price, liquidity, imbalance):
    half_spread = max(0.001, min(0.03, 2000.0 / max(liquidity, 1) * 0.05)) + rng.uniform(0, 0.004)
    best_bid = round(max(0.001, price - half_spread), 3)
    best_ask = round(min(0.999, price + half_spread), 3)
    depth = max(200.0, liquidity / 40)
    bids, asks = [], []
    for level in range(8):
        bid = round(best_bid - level * 0.01, 3)
        ask = round(best_ask + level * 0.01, 3)
        if bid > 0:
            bids.append({"price": "%.3f" % bid, "size": "%.2f" % (depth * (1 + imbalance) * rng.uniform(0.5, 1.5))})
        if ask < 1:
            asks.append({"price": "%.3f" % ask, "size": "%.2f" % (depth * (1 - imbalance) * rng.uniform(0.5, 1.5))})
    bids.sort(key=lambda level: float(level["price"]))             # ascending: best bid last
    asks.sort(key=lambda level: float(level["price"]), reverse=True)  # descending: best ask last
    return {"market": "", "asset_id": token, "timestamp": str((HISTORY_END + 3600) * 1000),
            "hash": "%040x" % rng.getrandbits(160), "bids": bids, "asks": asks,
            "min_order_size": "5", "tick_size": "0.001", "neg_risk": False,
            "last_trade_price": "%.3f" % price}

def make_market(event, question, price, *, volume24h, liquidity, end, created, group=None, closed=False,
                winner=None, accepting=True, imbalance=0.0, volatility=0.01, trend=0.0, competitive=None,
                placeholder=False, changes=None):
    market_counter[0] += rng.randint(1, 40)
    yes, no = token_id(), token_id()
    cid = condition_id()
    if winner is not None:
        prices = ["1", "0"] if winner == "Yes" else ["0", "1"]
    else:
        prices = [price_text(round(price, 4)), price_text(round(1 - price, 4))]
    volume_total = volume24h * rng.uniform(20, 120)
    market = {
        "id": str(market_counter[0]),
        "question": question,
        "conditionId": cid,
        "slug": question.lower().replace("?", "").replace(",", "").replace(" ", "-")[:80],
        "resolutionSource": rng.choice(["", None, "https://www.ap.org/", "Official results"]),
        "endDate": end,
        "liquidity": "%.5f" % liquidity,
        "startDate": created,
        "description": question + " This market resolves to \"Yes\" if the event described happens by the end date, per the resolution source; otherwise \"No\".",
        "outcomes": "[\"Yes\", \"No\"]",
        "outcomePrices": json.dumps(prices),
        "volume": "%.6f" % volume_total,
        "active": True,
        "closed": closed,
        "createdAt": created,
        "updatedAt": "2026-11-20T06:%02d:%02d.%06dZ" % (rng.randrange(60), rng.randrange(60), rng.randrange(10**6)),
        "groupItemTitle": group or "",
        "enableOrderBook": True,
        "volumeNum": volume_total,
        "liquidityNum": liquidity,
        "volume24hr": volume24h,
        "clobTokenIds": json.dumps([yes, no]),
        "acceptingOrders": accepting and not closed,
        "negRisk": group is not None,
        "competitive": competitive if competitive is not None else round(max(0.0, 1 - abs(price - 0.5) * 2) ** 0.5, 6),
        "spread": None,
        "bestBid": None,
        "bestAsk": None,
        "lastTradePrice": round(price, 3),
        "umaResolutionStatuses": "[]",
    }
    if changes is None:
        changes = (rng.gauss(0, 0.01), rng.gauss(trend * 0.3, 0.03), rng.gauss(trend, 0.05))
    market["oneDayPriceChange"], market["oneWeekPriceChange"], market["oneMonthPriceChange"] = [round(c, 4) for c in changes]
    if rng.random() < 0.3:
        del market["volume24hr"]  # absent on some markets; volume24hrClob carries it
        market["volume24hrClob"] = volume24h
    if closed:
        market["closedTime"] = "2026-11-0%d 04:%02d:11+00" % (rng.randint(4, 9), rng.randrange(60))
        market["umaResolutionStatus"] = "resolved" if winner else ""
        market["umaResolutionStatuses"] = "[\"proposed\", \"resolved\"]" if winner else "[]"
        del market["liquidityNum"]
        market["liquidity"] = ""
    if placeholder:
        for key in ("outcomePrices", "clobTokenIds", "liquidityNum", "volumeNum"):
            market.pop(key, None)
        market["liquidity"] = None
        market["acceptingOrders"] = False
    if not placeholder and not closed:
        book = make_book(yes, price, liquidity, imbalance)
        book["market"] = cid
        books[yes] = book
        histories[yes] = {"history": make_history(price, volatility, trend)}
        spread = float(book["asks"][-1]["price"]) - float(book["bids"][-1]["price"])
        market["bestBid"], market["bestAsk"], market["spread"] = float(book["bids"][-1]["price"]), float(book["asks"][-1]["price"]), round(spread, 3)
    clob_markets[cid] = {
        "condition_id": cid, "question_id": "0x%064x" % rng.getrandbits(256), "question": question,
        "active": True, "closed": closed, "archived": False, "accepting_orders": market["acceptingOrders"],
        "end_date_iso": end, "neg_risk": group is not None, "minimum_tick_size": 0.001,
        "tokens": [
            {"token_id": yes, "outcome": "Yes", "price": 1 if winner == "Yes" else 0 if winner else round(price, 4), "winner": winner == "Yes"},
            {"token_id": no, "outcome": "No", "price": 1 if winner == "No" else 0 if winner else round(1 - price, 4), "winner": winner == "No"},
        ],
    }
    event["markets"].append(market)
    return market

def make_event(title, tags, end, created, *, closed=False, neg_risk=False):
    event_counter[0] += rng.randint(3, 300)
    return {"id": str(event_counter[0]), "ticker": title.lower().replace(" ", "-")[:60],
            "slug": title.lower().replace("?", "").replace(" ", "-")[:60], "title": title,
            "description": title, "resolutionSource": "", "startDate": created, "creationDate": created,
            "endDate": end, "active": True, "closed": closed, "archived": False, "new": False,
            "featured": rng.random() < 0.2, "restricted": True, "negRisk": neg_risk,
            "createdAt": created, "tags": [dict(TAGS[t], createdAt=date(2023, 10, 1, 2)) for t in tags],
            "markets": []}

def finish(event):
    markets = event["markets"]
    event["volume"] = round(sum(m.get("volumeNum", 0) for m in markets), 6)
    event["volume24hr"] = round(sum(m.get("volume24hr", m.get("volume24hrClob", 0)) for m in markets), 6)
    event["liquidity"] = round(sum(m.get("liquidityNum", 0) or 0 for m in markets), 5)
    event["competitive"] = round(max([m.get("competitive", 0) for m in markets] or [0]), 6)
    return event

events = []

# 1. A multi-outcome election: the legs sum to a little over 1 (cross-market evidence).
e = make_event("Presidential Election Winner 2028", ["politics", "elections", "us"], date(2028, 11, 7, 0), date(2024, 11, 6, 2), neg_risk=True)
for name, p, vol, liq, imb, trend in [("JD Vance", 0.29, 910000, 2100000, 0.25, 0.03), ("Gavin Newsom", 0.21, 640000, 1500000, -0.1, 0.04),
                                      ("Alexandria Ocasio-Cortez", 0.09, 280000, 620000, 0.05, 0.0), ("Marco Rubio", 0.08, 250000, 540000, 0.3, 0.02),
                                      ("Josh Shapiro", 0.07, 190000, 480000, -0.2, -0.01), ("Pete Buttigieg", 0.05, 120000, 300000, 0.0, -0.02),
                                      ("Andy Beshear", 0.04, 90000, 210000, 0.1, 0.0)]:
    make_market(e, "Will %s win the 2028 US Presidential Election?" % name, p, volume24h=vol, liquidity=liq, end=e["endDate"],
                created=date(2024, 11, 6, 1), group=name, imbalance=imb, trend=trend, volatility=0.008)
make_market(e, "Will another candidate win the 2028 US Presidential Election?", 0.0, volume24h=0, liquidity=0, end=e["endDate"],
            created=date(2024, 11, 6, 1), group="Other", placeholder=True)
events.append(finish(e))

# 1b. A party nomination, four legs.
e = make_event("Democratic Presidential Nominee 2028", ["politics", "elections", "us"], date(2028, 8, 20, 0), date(2025, 1, 8, 3), neg_risk=True)
for name, p, vol, liq, imb in [("Gavin Newsom", 0.34, 330000, 700000, 0.1), ("Alexandria Ocasio-Cortez", 0.15, 210000, 380000, 0.2),
                               ("Josh Shapiro", 0.12, 140000, 260000, -0.1), ("Wes Moore", 0.06, 70000, 150000, 0.0)]:
    make_market(e, "Will %s be the 2028 Democratic presidential nominee?" % name, p, volume24h=vol, liquidity=liq, end=e["endDate"],
                created=date(2025, 1, 8, 1), group=name, imbalance=imb, volatility=0.009, trend=rng.uniform(-0.03, 0.05))
events.append(finish(e))

# 2. Fed decision, a negRisk event with four legs (an evergreen economy tag).
e = make_event("Fed decision in January 2027?", ["politics", "economy", "fed"], date(2027, 1, 27, 3), date(2026, 10, 30, 1), neg_risk=True)
for name, p, vol, liq, imb in [("50+ bps decrease", 0.06, 210000, 390000, -0.3), ("25 bps decrease", 0.38, 860000, 1200000, 0.2),
                               ("No change", 0.55, 990000, 1400000, -0.05), ("25+ bps increase", 0.02, 40000, 160000, 0.0)]:
    make_market(e, "Fed %s after January 2027 meeting?" % name, p, volume24h=vol, liquidity=liq, end=e["endDate"],
                created=date(2026, 10, 30, 2), group=name, imbalance=imb, volatility=0.02, trend=rng.uniform(-0.05, 0.05))
events.append(finish(e))

# 3–8. Binary political events.
binaries = [
    ("Government shutdown by January 31, 2027?", ["politics"], 0.34, 380000, 450000, 0.35, 0.06, (2027, 1, 31)),
    ("Will the Supreme Court rule in favor of the tariffs case petitioners?", ["politics", "courts"], 0.62, 260000, 310000, -0.25, -0.04, (2027, 6, 30)),
    ("Ukraine x Russia ceasefire in 2027?", ["politics", "geopolitics", "world"], 0.41, 520000, 880000, 0.1, 0.08, (2027, 12, 31)),
    ("Will Trump's approval rating be above 45% on March 1, 2027?", ["politics"], 0.18, 95000, 120000, -0.4, -0.03, (2027, 3, 1)),
    ("Will the Senate confirm a new Fed Chair by May 2027?", ["politics", "economy"], 0.71, 150000, 230000, 0.2, 0.02, (2027, 5, 31)),
    ("Will Congress pass a crypto market structure bill in 2027?", ["politics"], 0.47, 175000, 260000, 0.05, 0.12, (2027, 12, 31)),
]
for title, tags, p, vol, liq, imb, trend, end in binaries:
    e = make_event(title, tags, date(*end), date(2026, 9, rng.randint(1, 28)))
    make_market(e, title, p, volume24h=vol, liquidity=liq, end=e["endDate"], created=date(2026, 9, rng.randint(1, 28)),
                imbalance=imb, trend=trend, volatility=0.015)
    events.append(finish(e))

# 9. French presidential election 2027 (multi-outcome, slightly under 1).
e = make_event("French Presidential Election 2027", ["politics", "elections", "world"], date(2027, 5, 9), date(2025, 3, 1, 0), neg_risk=True)
for name, p, vol, liq, imb in [("Jordan Bardella", 0.36, 420000, 760000, 0.15), ("Edouard Philippe", 0.22, 260000, 510000, -0.05),
                               ("Marine Le Pen", 0.11, 150000, 300000, 0.0), ("Gabriel Attal", 0.09, 80000, 210000, -0.2),
                               ("Jean-Luc Melenchon", 0.06, 60000, 140000, 0.1), ("Raphael Glucksmann", 0.05, 30000, 90000, 0.0)]:
    make_market(e, "Will %s win the 2027 French presidential election?" % name, p, volume24h=vol, liquidity=liq, end=e["endDate"],
                created=date(2025, 3, 1, 3), group=name, imbalance=imb, volatility=0.01, trend=rng.uniform(-0.04, 0.04))
events.append(finish(e))

# 10. House control after 2028 (three legs).
e = make_event("Which party will win the House in 2028?", ["politics", "elections", "us"], date(2028, 11, 7), date(2026, 11, 10, 1), neg_risk=True)
for name, p, vol, liq in [("Democratic", 0.58, 140000, 260000), ("Republican", 0.41, 120000, 240000), ("Other", 0.01, 2000, 15000)]:
    make_market(e, "Will the %s Party win the House in 2028?" % name, p, volume24h=vol, liquidity=liq, end=e["endDate"],
                created=date(2026, 11, 10, 1), group=name, volatility=0.006)
events.append(finish(e))

# 11. Economy markets with thin books: kept only because the economy tag is evergreen ($1k floor).
e = make_event("US recession in 2027?", ["politics", "economy"], date(2027, 12, 31), date(2026, 8, 3, 1))
make_market(e, "US recession in 2027?", 0.27, volume24h=18000, liquidity=3200, end=e["endDate"], created=date(2026, 8, 3, 3), imbalance=-0.15, trend=0.05)
make_market(e, "Will US GDP growth be negative in Q1 2027?", 0.16, volume24h=6000, liquidity=2400, end=date(2027, 4, 30), created=date(2026, 8, 3, 0), imbalance=0.2)
events.append(finish(e))

# 12. Filter cases: a thin non-evergreen market, an extreme price, and one not accepting orders.
e = make_event("UK politics 2027", ["politics", "world"], date(2027, 12, 31), date(2026, 7, 14, 2))
make_market(e, "Will Keir Starmer be Prime Minister on December 31, 2027?", 0.52, volume24h=70000, liquidity=140000, end=e["endDate"], created=date(2026, 7, 14, 1), imbalance=-0.1, trend=-0.06)
make_market(e, "Will Reform UK lead every national poll in January 2027?", 0.44, volume24h=3000, liquidity=2100, end=date(2027, 1, 31), created=date(2026, 7, 14, 0))
make_market(e, "Will the UK rejoin the EU by 2027?", 0.01, volume24h=9000, liquidity=80000, end=e["endDate"], created=date(2026, 7, 14, 3))
make_market(e, "Will there be a UK general election in 2027?", 0.12, volume24h=11000, liquidity=60000, end=e["endDate"], created=date(2026, 7, 14, 2), accepting=False)
events.append(finish(e))

# 13–14. Resolved events (closed): their markets carry winners on the CLOB.
e = make_event("Which party wins the House in the 2026 midterms?", ["politics", "elections", "us"], date(2026, 11, 3, 3), date(2025, 1, 15, 1), closed=True, neg_risk=True)
make_market(e, "Will the Democratic Party win the House in 2026?", 1, volume24h=0, liquidity=0, end=e["endDate"], created=date(2025, 1, 15, 2), group="Democratic", closed=True, winner="Yes")
make_market(e, "Will the Republican Party win the House in 2026?", 0, volume24h=0, liquidity=0, end=e["endDate"], created=date(2025, 1, 15, 2), group="Republican", closed=True, winner="No")
events.append(finish(e))
e = make_event("Fed decision in October 2026?", ["economy", "fed"], date(2026, 10, 28, 0), date(2026, 9, 18, 2), closed=True, neg_risk=True)
for name, won in [("25 bps decrease", "Yes"), ("No change", "No"), ("50+ bps decrease", "No")]:
    make_market(e, "Fed %s after October 2026 meeting?" % name, 0, volume24h=0, liquidity=0, end=e["endDate"], created=date(2026, 9, 18, 1), group=name, closed=True, winner=won)
events.append(finish(e))

# A non-politics event the default tag filter leaves out.
e = make_event("Will Bitcoin reach $150,000 in 2027?", ["economy"], date(2027, 12, 31), date(2026, 6, 1, 1))
make_market(e, "Will Bitcoin reach $150,000 in 2027?", 0.33, volume24h=310000, liquidity=420000, end=e["endDate"], created=date(2026, 6, 1, 0), imbalance=0.3, trend=-0.05, volatility=0.03)
events.append(finish(e))

# 15–16. Stale last trades: the price shown (the last trade) sits far from the live book and the
# recent history, structure the market-data agents can see in any real market.
for title, shown, live, imbalance in [("Will the Senate pass a federal privacy law in 2027?", 0.27, 0.50, 0.3),
                                      ("Will the US and China sign a new trade agreement in 2027?", 0.76, 0.53, -0.3)]:
    e = make_event(title, ["politics"], date(2027, 12, 31), date(2026, 8, 20, 1))
    m = make_market(e, title, live, volume24h=990000, liquidity=2500000, end=e["endDate"], created=date(2026, 8, 20, 0),
                    imbalance=imbalance, volatility=0.003)
    m["outcomePrices"] = json.dumps([price_text(shown), price_text(1 - shown)])
    m["lastTradePrice"] = shown
    events.append(finish(e))

# 17–22. Resolved events with hourly price histories up to their resolution, so the track record,
# backtests and replays have something to score offline. Their own generator, so the markets above
# stay exactly as they were.
hrng = random.Random(20261202)
HOUR = 3600

def resolved_history(start_price, resolve_ts, yes_won, days, volatility):
    """Hourly points over `days` before `resolve_ts`: a noisy path from the start price that
    drifts toward the outcome, faster near the end, never certain before it resolves."""
    n = days * 24
    target = 0.97 if yes_won else 0.03
    p, points = start_price, []
    for i in range(n + 1):
        frac = i / n
        pull = (target - p) * (0.0003 + 0.03 * frac ** 8)
        p = min(0.99, max(0.01, p + pull + hrng.gauss(0, volatility)))
        points.append({"t": resolve_ts - (n - i) * HOUR, "p": p})
    # Two overreactions per market: a sudden move of 15–30 points that fades over two to four
    # days — the dislocations the price agents exist to notice.
    for _ in range(2):
        at, size, fade = hrng.randrange(n // 4, n - 120), hrng.uniform(0.15, 0.30) * hrng.choice([-1, 1]), hrng.uniform(48, 96)
        for i in range(at, n + 1):
            points[i]["p"] += size * math.exp(-(i - at) / fade * 3)
    return [{"t": x["t"], "p": round(min(0.99, max(0.01, x["p"])), 4)} for x in points]

RESOLVED = [
    ("Who wins the 2026 Georgia Senate race?", ["politics", "elections", "us"], 1793577600, [
        ("Will Jon Ossoff win the 2026 Georgia Senate race?", 0.58, "Yes"),
        ("Will the Republican nominee win the 2026 Georgia Senate race?", 0.42, "No")]),
    ("Fed decision in September 2026?", ["economy", "fed"], 1789689600, [
        ("Fed 25 bps decrease after September 2026 meeting?", 0.64, "Yes"),
        ("Fed no change after September 2026 meeting?", 0.31, "No")]),
    ("Will the government shut down in October 2026?", ["politics"], 1791331200, [
        ("Will the US government shut down by October 15, 2026?", 0.35, "No")]),
    ("Ukraine ceasefire by November 2026?", ["geopolitics", "world"], 1793923200, [
        ("Will Russia and Ukraine agree a ceasefire by November 8, 2026?", 0.22, "No")]),
    ("Supreme Court tariff ruling in 2026?", ["politics", "courts"], 1792108800, [
        ("Will the Supreme Court rule the IEEPA tariffs unlawful by October 24, 2026?", 0.55, "Yes")]),
    ("Which party wins the 2026 Arizona governor race?", ["politics", "elections", "us"], 1793750400, [
        ("Will the Democratic nominee win the 2026 Arizona governor race?", 0.47, "Yes"),
        ("Will the Republican nominee win the 2026 Arizona governor race?", 0.53, "No")]),
]
for title, tags, resolve_ts, legs in RESOLVED:
    end = "%s" % __import__("datetime").datetime.utcfromtimestamp(resolve_ts).strftime("%Y-%m-%dT%H:%M:%SZ")
    e = make_event(title, tags, end, date(2026, 6, 1, 1), closed=True, neg_risk=len(legs) > 1)
    for question, start, winner in legs:
        m = make_market(e, question, 0, volume24h=0, liquidity=0, end=end, created=date(2026, 6, 1, 0),
                        group=(question if len(legs) > 1 else None), closed=True, winner=winner)
        m["closedTime"] = __import__("datetime").datetime.utcfromtimestamp(resolve_ts + 2 * HOUR).strftime("%Y-%m-%d %H:%M:%S+00")
        yes = json.loads(m["clobTokenIds"])[0]
        histories[yes] = {"history": resolved_history(start, resolve_ts, winner == "Yes", 40, 0.005)}
    events.append(finish(e))

os.makedirs(OUT, exist_ok=True)
def write(name, value):
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(value, f, indent=1, ensure_ascii=False)
        f.write("\n")
write("gamma-events.json", events)
write("clob-books.json", books)
write("clob-prices-history.json", histories)
write("clob-markets.json", clob_markets)
print("events", len(events), "markets", sum(len(e["markets"]) for e in events), "books", len(books))
