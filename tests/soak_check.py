#!/usr/bin/env python3
"""Judges a soak run of tests/soak.sh: every value scraped from /metrics against what the simulator put on the wire.

The wire is socat's hex dump (`socat -x`) of the TCP link between the exporter and `bmspace simulate`. This script
reads the replies that left intact (whole, both checksums right, RTN 0, the address asked for) by the documented
layout of docs/PROTOCOL.md 10.2 (0x42) and 11.2 (0x44), written here independently of the program's decoders. A
scraped pack value that equals none of the last few intact replies for that pack before the scrape is a wrong value.

Usage: soak_check.py RUN_DIR     (RUN_DIR holds wire.log, scrapes.tsv, scrapes/, samples.tsv; see tests/soak.sh)
Prints the trend of memory, descriptors and threads, the count of checked and wrong values, and a last line
starting with "soak: PASS" or "soak: FAIL". Exit 0 on pass, 1 on fail.
"""

import calendar
import io
import os
import re
import sys
import time

# A value scraped must equal one of the intact replies for its pack sent in this many seconds before the scrape: the
# exporter keeps a pack's last values through failed cycles until stale_after_cycles (3) have passed, and a failed
# cycle at the soak's settings (1 s timeout, 1 retry, two requests) lasts up to about 5 s.
WINDOW_SECONDS = 20
# Far below the wire's finest step (1 mV, 10 mA, 10 mAh, 0.1 C, 1 % for the tail's SOC and SOH), above the rounding
# of derived values (ratios to 6 decimals, power to 5) and of floating point.
ABSOLUTE_TOLERANCE = 1e-5
RELATIVE_TOLERANCE = 1e-6
PACE_VERSION = 0x25
PACE_CID1 = 0x46
KELVIN_OFFSET_TENTHS = 2730


def checksum(body):
    """CHKSUM of PROTOCOL.md: two's complement of the sum of the ASCII codes, modulo 65536."""
    return (~sum(body.encode("ascii")) + 1) & 0xFFFF


def length_field_ok(lenid_field):
    """LCHKSUM: the high nibble makes the nibble sum of LENID zero modulo 16."""
    lenid = lenid_field & 0x0FFF
    lchk = (lenid_field >> 12) & 0xF
    nibbles = (lenid & 0xF) + ((lenid >> 4) & 0xF) + ((lenid >> 8) & 0xF)
    return ((~nibbles + 1) & 0xF) == lchk


def parse_frame(text):
    """(ver, adr, cid1, cid2_or_rtn, info bytes) of a frame '~...\\r' whose envelope is right, else None."""
    if not (text.startswith("~") and text.endswith("\r")):
        return None
    body = text[1:-5]
    if len(body) < 12 or not re.fullmatch(r"[0-9A-F]+", text[1:-1]):
        return None
    if int(text[-5:-1], 16) != checksum(body):
        return None
    lenid_field = int(body[8:12], 16)
    info_hex = body[12:]
    if not length_field_ok(lenid_field) or (lenid_field & 0x0FFF) != len(info_hex) or len(info_hex) % 2:
        return None
    return int(body[0:2], 16), int(body[2:4], 16), int(body[4:6], 16), int(body[6:8], 16), bytes.fromhex(info_hex)


class Reader:
    def __init__(self, data):
        self.data = data
        self.at = 0

    def u8(self):
        value = self.data[self.at]
        self.at += 1
        return value

    def u16(self):
        value = int.from_bytes(self.data[self.at:self.at + 2], "big")
        self.at += 2
        return value

    def s16(self):
        value = self.u16()
        return value - 0x10000 if value >= 0x8000 else value

    def left(self):
        return len(self.data) - self.at


def analog_packs(info, command, tail_bytes):
    """Pack number -> the values of PROTOCOL.md 10.2 in SI units, as the exporter must publish them."""
    reader = Reader(info)
    reader.u8()  # INFOFLAG
    count_or_echo = reader.u8()
    numbers = list(range(1, count_or_echo + 1)) if command == 0xFF else [command]
    packs = {}
    for number in numbers:
        values = {}
        cells = [reader.u16() / 1000 for _ in range(reader.u8())]
        temperatures = [(reader.u16() - KELVIN_OFFSET_TENTHS) / 10 for _ in range(reader.u8())]
        current = reader.s16() / 100
        voltage = reader.u16() / 1000
        remaining = reader.u16() / 100
        reader.u8()  # P, the user-defined count
        full = reader.u16() / 100
        cycles = reader.u16()
        design = reader.u16() / 100
        tail = info[reader.at:reader.at + tail_bytes]
        reader.at += tail_bytes
        for i, volts in enumerate(cells, 1):
            values[("pace_bms_cell_voltage_volts", "cell", str(i))] = volts
        for i, celsius in enumerate(temperatures, 1):
            values[("pace_bms_temperature_celsius", "sensor", str(i))] = celsius
        values[("pace_bms_pack_current_amperes",)] = current
        values[("pace_bms_pack_voltage_volts",)] = voltage
        values[("pace_bms_pack_power_watts",)] = voltage * current
        values[("pace_bms_capacity_remaining_amp_hours",)] = remaining
        values[("pace_bms_capacity_full_amp_hours",)] = full
        values[("pace_bms_capacity_design_amp_hours",)] = design
        values[("pace_bms_cycle_count",)] = cycles
        if cells:
            values[("pace_bms_cell_voltage_min_volts",)] = min(cells)
            values[("pace_bms_cell_voltage_max_volts",)] = max(cells)
            values[("pace_bms_cell_voltage_delta_volts",)] = max(cells) - min(cells)
        # docs/PROTOCOL.md 10.5: the tail's SOC and SOH bytes when sent, else the ratios.
        if len(tail) >= 1:
            values[("pace_bms_state_of_charge_ratio",)] = tail[0] / 100
        elif full:
            values[("pace_bms_state_of_charge_ratio",)] = remaining / full
        if len(tail) >= 14:
            values[("pace_bms_state_of_health_ratio",)] = tail[9] / 100
        elif design:
            values[("pace_bms_state_of_health_ratio",)] = full / design
        packs[number] = values
    return packs


def alarm_packs(info, command):
    """Pack number -> the balancing bits and control_state of PROTOCOL.md 11.2."""
    reader = Reader(info)
    reader.u8()
    count_or_echo = reader.u8()
    numbers = list(range(1, count_or_echo + 1)) if command == 0xFF else [command]
    packs = {}
    for number in numbers:
        cell_count = reader.u8()
        reader.at += cell_count
        temperature_count = reader.u8()
        reader.at += temperature_count
        reader.at += 3  # charge current, pack voltage, discharge current warnings
        _protect1, _protect2, _instruction, control, _fault = (reader.u8() for _ in range(5))
        balance = reader.u8() | (reader.u8() << 8)
        reader.at += 2  # warn states
        values = {("pace_bms_control_state",): control}
        for cell in range(1, min(16, cell_count) + 1):
            values[("pace_bms_cell_balancing", "cell", str(cell))] = (balance >> (cell - 1)) & 1
        packs[number] = values
        # An alarm tail of unknown length would follow; the simulator in the soak sends none.
    return packs


def header_seconds(line):
    """Unix time of a socat chunk header ("> 2026/11/29 21:44:55.000847  length=..."), whole seconds; soak.sh runs
    socat with TZ=UTC."""
    return calendar.timegm(time.strptime(line[2:21], "%Y/%m/%d %H:%M:%S"))


def read_wire(path, limit=-1):
    """Every chunk of socat's hex dump as (direction, bytes, byte offset of the chunk's end in the log, unix seconds)."""
    chunks = []
    direction = None
    data = bytearray()
    offset = 0
    seconds = 0
    with open(path, "rb") as log:
        # Only what was logged before the last scrape: the log may still be growing when a run is checked live.
        for raw in io.BytesIO(log.read(limit)).readlines():
            offset += len(raw)
            line = raw.decode("ascii", "replace")
            if line.startswith(("> ", "< ")):
                if direction:
                    chunks.append((direction, bytes(data), offset - len(raw), seconds))
                direction = line[0]
                seconds = header_seconds(line)
                data = bytearray()
            elif line.startswith(" ") and direction:
                data.extend(bytes.fromhex(line.strip()))
    if direction:
        chunks.append((direction, bytes(data), offset, seconds))
    return chunks


def intact_replies(chunks, tail_bytes):
    """(log offset, kind 'analog'|'alarm', pack, values, unix seconds) for each intact 0x42/0x44 pack block, in wire
    order. The ADR of an answer to COMMAND FF is not checked: the exporter does not either, as the pack on an RS232
    port answers with its own DIP address (docs/PROTOCOL.md 8.1), and the INFO is the same."""
    replies = []
    request = None
    request_buffer = ""
    reply_buffer = None
    for direction, data, offset, seconds in chunks:
        text = data.decode("latin-1")
        if direction == ">":
            for ch in text:
                if ch == "~":
                    request_buffer = "~"
                elif request_buffer:
                    request_buffer += ch
                    if ch == "\r":
                        request = parse_frame(request_buffer)
                        request_buffer = ""
                        # A new request ends whatever reply was in flight: a late end of it is not its answer.
                        reply_buffer = None
            continue
        for ch in text:
            if ch == "~":
                reply_buffer = "~"
            elif reply_buffer is not None:
                reply_buffer += ch
                if ch == "\r":
                    frame = parse_frame(reply_buffer)
                    reply_buffer = None
                    if frame is None or request is None:
                        continue
                    version, address, cid1, rtn, info = frame
                    r_version, r_address, r_cid1, r_cid2, r_info = request
                    if (version, cid1, rtn) != (r_version, PACE_CID1, 0) or version != PACE_VERSION:
                        continue
                    command = r_info[0] if r_info else 0xFF
                    if command != 0xFF and (address != r_address or len(info) < 2 or info[1] != command):
                        continue
                    try:
                        if r_cid2 == 0x42:
                            blocks, kind = analog_packs(info, command, tail_bytes), "analog"
                        elif r_cid2 == 0x44:
                            blocks, kind = alarm_packs(info, command), "alarm"
                        else:
                            continue
                    except IndexError:
                        continue
                    for pack, values in blocks.items():
                        replies.append((offset, kind, pack, values, seconds))
    return replies


LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def read_metrics(path):
    """(name, labels dict, value) for every sample of a Prometheus text page."""
    samples = []
    with open(path, encoding="utf-8") as page:
        for line in page:
            if line.startswith("#"):
                continue
            match = LINE.match(line)
            if match:
                labels = dict(LABEL.findall(match.group(2) or ""))
                samples.append((match.group(1), labels, float(match.group(3))))
    return samples


def scraped_packs(samples, battery):
    """Pack number -> {key: value} for the series the checker knows, keyed as analog_packs and alarm_packs key them."""
    packs = {}
    for name, labels, value in samples:
        if labels.get("battery") != battery or "pack" not in labels:
            continue
        if "cell" in labels and name in ("pace_bms_cell_voltage_volts", "pace_bms_cell_balancing"):
            key = (name, "cell", labels["cell"])
        elif "sensor" in labels and name == "pace_bms_temperature_celsius":
            key = (name, "sensor", labels["sensor"])
        elif len(labels) == 2:
            key = (name,)
        else:
            continue
        packs.setdefault(int(labels["pack"]), {})[key] = value
    return packs


def differing(expected, scraped):
    """Keys of expected whose scraped value is present and differs (absent series are not values)."""
    wrong = []
    for key, value in expected.items():
        if key not in scraped:
            continue
        got = scraped[key]
        if abs(got - value) > max(ABSOLUTE_TOLERANCE, RELATIVE_TOLERANCE * abs(value)):
            wrong.append(key)
    return wrong


def judge_scrape(replies, end_offset, scrape_seconds, samples, battery):
    """(values checked, wrong values as text lines, packs scraped with nothing sent to compare, age in seconds of the
    oldest reply a scraped pack matched) for one scrape."""
    checked = 0
    wrong_lines = []
    unmatched = 0
    oldest = 0
    for pack, scraped in scraped_packs(samples, battery).items():
        for kind in ("analog", "alarm"):
            sent = [(values, seconds) for offset, k, p, values, seconds in replies
                    if k == kind and p == pack and offset <= end_offset and seconds >= scrape_seconds - WINDOW_SECONDS]
            candidates = [values for values, _ in sent]
            known = set().union(*(c.keys() for c in candidates)) if candidates else set()
            present = [key for key in scraped if key in known]
            if not candidates:
                if any(key in scraped for key in (("pace_bms_pack_voltage_volts",), ("pace_bms_control_state",))):
                    unmatched += 1
                continue
            # The closest candidate (the latest among equals) is what the exporter showed; its differences are wrong.
            best_index = min(reversed(range(len(candidates))), key=lambda i: len(differing(candidates[i], scraped)))
            best = candidates[best_index]
            oldest = max(oldest, scrape_seconds - sent[best_index][1])
            checked += len(present)
            for key in differing(best, scraped):
                wrong_lines.append(f"pack {pack} {'/'.join(key)}: scraped {scraped[key]!r}, sent {best[key]!r}")
    return checked, wrong_lines, unmatched, oldest


def slope_per_minute(points):
    """Least-squares slope of (seconds, value) points, per minute."""
    if len(points) < 2:
        return 0.0
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_v = sum(v for _, v in points) / n
    denominator = sum((t - mean_t) ** 2 for t, _ in points)
    return 0.0 if denominator == 0 else 60 * sum((t - mean_t) * (v - mean_v) for t, v in points) / denominator


def trend(samples_path):
    """Lines describing RSS, descriptors and threads, and the list of problems with them."""
    rows = []
    with open(samples_path, encoding="utf-8") as table:
        for line in table:
            parts = line.split()
            if len(parts) == 4 and parts[0].isdigit():
                rows.append(tuple(int(x) for x in parts))
    lines, problems = [], []
    if not rows:
        return ["no samples"], ["no samples were taken (the exporter was not running?)"]
    start = rows[0][0]
    second_half = [r for r in rows if r[0] - start >= (rows[-1][0] - start) / 2]
    for index, name, unit in ((1, "rss", "KiB"), (2, "fds", ""), (3, "threads", "")):
        values = [r[index] for r in rows]
        whole = slope_per_minute([(r[0] - start, r[index]) for r in rows])
        late = slope_per_minute([(r[0] - start, r[index]) for r in second_half])
        lines.append(f"{name}: first {values[0]}{unit and ' ' + unit}, last {values[-1]}, min {min(values)}, max {max(values)}, "
                     f"slope {whole:+.2f}/min over the run, {late:+.2f}/min over the second half ({len(rows)} samples)")
    minutes = (rows[-1][0] - start) / 60
    # Judged only when there is a second half worth the name: a short run is mostly start-up.
    if minutes >= 10:
        late_rss = slope_per_minute([(r[0] - start, r[1]) for r in second_half])
        if late_rss > 64:
            problems.append(f"memory grows {late_rss:.0f} KiB/min over the second half")
    first_half = [r for r in rows if r not in second_half] or rows[:1]
    for index, name, allowance in ((2, "descriptors", 4), (3, "threads", 8)):
        before = max(r[index] for r in first_half)
        after = max(r[index] for r in second_half)
        if after > before + allowance:
            problems.append(f"{name} grow: at most {before} in the first half, {after} in the second")
    return lines, problems


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-3], file=sys.stderr)
        return 2
    run = argv[1]
    tail_bytes = int(os.environ.get("SOAK_TAIL", "14"))
    battery = os.environ.get("SOAK_BATTERY", "main")
    with open(os.path.join(run, "scrapes.tsv"), encoding="utf-8") as index:
        # A line still being written (no newline yet) is left for the next check.
        entries = [line.split() for line in index if line.endswith("\n")]
    entries = [(parts[0], int(parts[1]), int(parts[2])) for parts in entries if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit()]
    replies = intact_replies(read_wire(os.path.join(run, "wire.log"), max((e[2] for e in entries), default=0)), tail_bytes)
    checked = wrong = unmatched = scrapes = oldest = 0
    shown = 0
    for name, scrape_seconds, end_offset in entries:
        samples = read_metrics(os.path.join(run, "scrapes", name))
        if not samples:
            continue
        scrapes += 1
        c, wrong_lines, u, age = judge_scrape(replies, end_offset, scrape_seconds, samples, battery)
        oldest = max(oldest, age)
        checked += c
        wrong += len(wrong_lines)
        unmatched += u
        for text in wrong_lines:
            if shown < 20:
                print(f"wrong value in scrape {name}: {text}")
                shown += 1
    lines, problems = trend(os.path.join(run, "samples.tsv"))
    analog = sum(1 for r in replies if r[1] == "analog")
    alarm = len(replies) - analog
    for line in lines:
        print(line)
    print(f"intact pack blocks on the wire: {analog} analog, {alarm} alarm")
    print(f"scrapes: {scrapes}, values checked: {checked}, wrong values: {wrong}, packs scraped with nothing sent: {unmatched}, "
          f"oldest reply a scrape showed: {oldest} s")
    if scrapes == 0 or checked == 0:
        problems.append("nothing was checked")
    if wrong:
        problems.append(f"{wrong} wrong values")
    if unmatched:
        problems.append(f"{unmatched} pack scrapes had values with no intact reply sent before them")
    if problems:
        print("soak: FAIL: " + "; ".join(problems))
        return 1
    print(f"soak: PASS: {checked} values checked, 0 wrong, memory flat, no descriptor or thread growth")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
