"""aiosmpplib as a partner of the gateway: bind transceiver, submit GSM, UCS-2 and long texts,
collect submit_sm_resp and receipt deliver_sm; print a JSON summary."""
import asyncio, json, sys
from aiosmpplib import ESME, SubmitSm, PhoneNumber, TON, NPI, BindMode
from aiosmpplib.hook import AbstractHook

port = int(sys.argv[1])
seen = {"submit_resp": [], "deliver": [], "errors": []}

class Hook(AbstractHook):
    async def sending(self, smpp_message, pdu, client_id):
        pass
    async def received(self, smpp_message, pdu, client_id):
        if smpp_message is None:
            return
        name = type(smpp_message).__name__
        if name == "SubmitSmResp":
            seen["submit_resp"].append([int(smpp_message.command_status.value) if hasattr(smpp_message.command_status, "value") else str(smpp_message.command_status), getattr(smpp_message, "message_id", "")])
        elif name == "DeliverSm":
            seen["deliver"].append(getattr(smpp_message, "short_message", ""))
    async def send_error(self, smpp_message, error, client_id):
        seen["errors"].append(repr(error))

async def main():
    esme = ESME(smsc_host="127.0.0.1", smsc_port=port, system_id="partner", password="partner1",
                bind_mode=BindMode.TRANSCEIVER, hook=Hook(), log_level="WARNING")
    texts = ["Hello GSM @ £ {}", "Привет UCS-2 ☺", "long " * 60]
    for i, t in enumerate(texts):
        await esme.broker.enqueue(SubmitSm(short_message=t, log_id=f"m{i}",
            source=PhoneNumber("MyBrand", TON.ALPHANUMERIC, NPI.UNKNOWN),
            destination=PhoneNumber("61412345678", TON.INTERNATIONAL, NPI.ISDN)))
    task = asyncio.create_task(esme.start())
    for _ in range(300):
        await asyncio.sleep(0.1)
        if len(seen["deliver"]) >= 3 and len(seen["submit_resp"]) >= 3:
            break
    await esme.stop()
    task.cancel()
    print(json.dumps(seen, ensure_ascii=False))

asyncio.run(main())
