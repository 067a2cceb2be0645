"""Calls ragplane methods through a grpcio channel that loads gen/service-config.json.

usage: python3 grpcio_service_config.py HOST:PORT CONFIG_PATH SERVICE/METHOD...

Each method is called once with an empty request and no deadline of the caller's own,
so the service config decides the timeout and the retries. Prints one JSON object: the
status code name each call ended with ("OK" for success).
"""

import json
import sys

import grpc


def main() -> None:
    address, config_path, *methods = sys.argv[1:]
    with open(config_path, encoding="utf-8") as config_file:
        service_config = config_file.read()
    results = {}
    options = [("grpc.service_config", service_config)]
    with grpc.insecure_channel(address, options=options) as channel:
        for method in methods:
            call = channel.unary_unary(f"/{method}")
            try:
                call(b"")
                results[method] = "OK"
            except grpc.RpcError as error:
                results[method] = error.code().name
    print(json.dumps(results))


if __name__ == "__main__":
    main()
