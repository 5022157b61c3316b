#!/usr/bin/env python3
"""A partner ESME built on PyPI smpplib, driven by the Rust end-to-end tests.

It speaks to the gateway's server bind with an SMPP implementation written by others, so a
mistake shared by our codec and our session machines cannot hide. Each scenario prints one JSON
object on stdout; the calling test asserts on it (and on what reached the core).

usage: smpplib_partner.py HOST PORT SYSTEM_ID PASSWORD SCENARIO [options]
scenarios:
  bind BIND_TYPE            bind, enquire_link, unbind; prints the bind status
  submit BIND_TYPE TEXTS    submit each text (GSM, UCS-2 and long ones are split by smpplib),
                            collect submit_sm_resp ids and statuses, then wait --wait seconds
                            for delivery receipts and answer them
  flood COUNT               submit COUNT short messages as fast as possible, count statuses
"""
import argparse
import json
import socket
import sys
import time

import smpplib.client
import smpplib.consts
import smpplib.exceptions
import smpplib.gsm
import smpplib.smpp


def new_client(args):
    client = smpplib.client.Client(args.host, args.port, timeout=args.timeout,
                                   allow_unknown_opt_params=True)
    client.connect()
    return client


def bind(client, bind_type, args):
    binder = {
        "transmitter": client.bind_transmitter,
        "receiver": client.bind_receiver,
        "transceiver": client.bind_transceiver,
    }[bind_type]
    binder(system_id=args.system_id, password=args.password)


def pdu_status(error):
    """The command_status carried by an smpplib PDUError, or None."""
    if len(error.args) > 1 and isinstance(error.args[1], int):
        return error.args[1]
    text = str(error)
    if text.startswith("("):
        try:
            return int(text[1:text.index(")")])
        except ValueError:
            return None
    return None


def scenario_bind(args):
    result = {"bound": False, "status": None}
    client = new_client(args)
    try:
        bind(client, args.extra[0], args)
        result["bound"] = True
        result["status"] = 0
        client.send_pdu(smpplib.smpp.make_pdu("enquire_link", client=client))
        resp = client.read_pdu()
        result["enquire_link_resp"] = resp.command
        client.unbind()
        result["unbound"] = True
    except smpplib.exceptions.PDUError as error:
        result["status"] = pdu_status(error)
        result["error"] = str(error)
    except smpplib.exceptions.ConnectionError as error:
        result["error"] = "connection closed: %s" % error
    finally:
        close(client)
    return result


def scenario_submit(args):
    bind_type, texts = args.extra[0], args.extra[1:]
    client = new_client(args)
    resps, receipts, errors, delivers = [], [], [], []

    def on_sent(pdu, **_):
        if pdu.status != 0:
            return  # already recorded by the error handler
        resps.append({"seq": pdu.sequence, "status": pdu.status,
                      "message_id": decode(pdu.message_id)})

    def on_received(pdu, **_):
        entry = {"esm_class": pdu.esm_class, "text": decode(pdu.short_message)}
        receipted = getattr(pdu, "receipted_message_id", None)
        if receipted:
            entry["receipted_message_id"] = decode(receipted)
        state = getattr(pdu, "message_state", None)
        if state is not None:
            entry["message_state"] = state
        (receipts if pdu.esm_class & 0x3C == 0x04 else delivers).append(entry)
        return 0  # ESME_ROK in deliver_sm_resp

    client.set_message_sent_handler(on_sent)
    client.set_message_received_handler(on_received)
    client.set_error_pdu_handler(lambda pdu: errors.append(
        {"seq": pdu.sequence, "status": pdu.status, "command": pdu.command}))
    bind(client, bind_type, args)
    submitted = 0
    for text in texts:
        parts, encoding, esm_class = smpplib.gsm.make_parts(text)
        for part in parts:
            client.send_message(
                source_addr_ton=smpplib.consts.SMPP_TON_INTL,
                source_addr=args.source,
                dest_addr_ton=smpplib.consts.SMPP_TON_INTL,
                destination_addr=args.dest,
                short_message=part,
                data_coding=encoding,
                esm_class=esm_class,
                registered_delivery=True,
            )
            submitted += 1
    deadline = time.time() + args.wait
    while time.time() < deadline:
        answered = len(resps) + len(errors)
        if answered >= submitted and (args.receipts == 0 or len(receipts) >= args.receipts):
            break
        try:
            client.read_once()
        except socket.timeout:
            continue
        except smpplib.exceptions.ConnectionError:
            break
    try:
        client.unbind()
    except Exception:  # the test judges by the JSON, a failed unbind shows as missing data
        pass
    close(client)
    return {"submitted": submitted, "resps": resps, "errors": errors,
            "receipts": receipts, "delivers": delivers}


def scenario_flood(args):
    count = int(args.extra[0])
    client = new_client(args)
    statuses = {}

    def count_status(pdu, **_):
        statuses[pdu.status] = statuses.get(pdu.status, 0) + 1

    client.set_message_sent_handler(count_status)
    client.set_error_pdu_handler(lambda pdu: None)  # counted by count_status as well
    bind(client, "transmitter", args)
    for i in range(count):
        client.send_message(source_addr=args.source, destination_addr=args.dest,
                            short_message=b"flood %d" % i)
    deadline = time.time() + args.wait
    while sum(statuses.values()) < count and time.time() < deadline:
        try:
            client.read_once()
        except socket.timeout:
            continue
    close(client)
    return {"sent": count, "statuses": {str(k): v for k, v in statuses.items()}}


def decode(value):
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value


def close(client):
    try:
        client.disconnect()
    except Exception:
        pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("system_id")
    parser.add_argument("password")
    parser.add_argument("scenario", choices=["bind", "submit", "flood"])
    parser.add_argument("extra", nargs="*")
    parser.add_argument("--source", default="MyBrand")
    parser.add_argument("--dest", default="61412345678")
    parser.add_argument("--wait", type=float, default=10.0)
    parser.add_argument("--receipts", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=1.0)
    args = parser.parse_args()
    scenarios = {"bind": scenario_bind, "submit": scenario_submit, "flood": scenario_flood}
    print(json.dumps(scenarios[args.scenario](args)))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
