"""Makes one ragplane call through a grpcio channel that loads gen/service-config.json.

usage: python3 grpcio_call.py HOST:PORT CONFIG_PATH SERVICE/METHOD REQUEST_HEX API_KEY

The request is the method's message in binary, as hex; the key is sent as a bearer
credential. The caller sets no deadline and never retries: the service config decides
both. Prints the status code name the call ended with ("OK" for success).
"""

import sys

import grpc


def main() -> None:
    address, config_path, method, request_hex, api_key = sys.argv[1:]
    with open(config_path, encoding="utf-8") as config_file:
        options = [("grpc.service_config", config_file.read())]
    with grpc.insecure_channel(address, options=options) as channel:
        call = channel.unary_unary(f"/{method}")
        try:
            call(bytes.fromhex(request_hex), metadata=[("authorization", f"Bearer {api_key}")])
            print("OK")
        except grpc.RpcError as error:
            print(error.code().name)


if __name__ == "__main__":
    main()
