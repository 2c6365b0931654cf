# Multi-stage build of the mock server (plus the contract runner and the
# load tester). Built with CGO disabled into a static, distroless image.
FROM golang:1.26 AS build
WORKDIR /src
# Module download in its own layer: rebuilt only when go.mod/go.sum change.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/mockserver ./cmd/mockserver \
 && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/contract ./cmd/contract \
 && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/loadtest ./cmd/loadtest
# Smoke step: the binary starts and prints its flags.
RUN /out/mockserver -h
RUN mkdir -p /state

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ /usr/local/bin/
COPY --from=build --chown=nonroot:nonroot /state /data
# Inside a container the mock must listen on all interfaces; the control
# plane then requires a token (printed at start-up, or set MOCK_CONTROL_TOKEN).
ENV MOCK_ADDR=0.0.0.0:8080 \
    MOCK_MEMSYNC_ADDR=0.0.0.0:8081 \
    MOCK_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8080 8081
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/mockserver"]
