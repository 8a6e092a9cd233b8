# Gatehouse: build the runnable jar with Maven, run it on a JRE as a non-root user.
#   docker build --build-arg GATEHOUSE_COMMIT=$(git rev-parse --short=12 HEAD) -t gatehouse .
#   docker run --rm -p 8080:8080 gatehouse --demo                   then   curl localhost:8080/
#   docker run --rm -p 8080:8080 -v "$PWD/my.json:/etc/gatehouse/gatehouse.json:ro" gatehouse \
#     --config /etc/gatehouse/gatehouse.json
FROM maven:3-eclipse-temurin-17 AS build
# gcc builds the optional OpenSSL 3 RSA signer into the jar (src/main/native; skipped without it)
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src ./src
# the build context has no .git: the commit that --version and gatehouse_build_info report comes from here
ARG GATEHOUSE_COMMIT=unknown
RUN GATEHOUSE_COMMIT=$GATEHOUSE_COMMIT mvn -B -q package -DskipTests

FROM eclipse-temurin:17-jre
# libcrypto.so.3 for RSA handshake signatures (the jar falls back to BoringSSL without it); curl for HEALTHCHECK
RUN apt-get update && apt-get install -y --no-install-recommends openssl curl && rm -rf /var/lib/apt/lists/* \
    && useradd --system --user-group --uid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin gatehouse
WORKDIR /app
COPY --from=build /src/target/gatehouse.jar /app/gatehouse.jar
# the launcher applies the recommended JVM options (Parallel GC, 64 MB initial heap, native heap trim); add or override with
# -e JAVA_OPTS=...
COPY bin/gatehouse /app/bin/gatehouse
# the default --cluster-config is cluster/hazelcast.xml, relative to the working directory
COPY cluster/hazelcast.xml /app/cluster/hazelcast.xml
# listeners on 0.0.0.0 so that -p reaches them, in front of the --demo members; no TLS, so no private key in the
# image. The admin API stays on the container's loopback (HEALTHCHECK uses it) until a mounted configuration with
# a token opens it.
COPY conf/container.json /app/conf/gatehouse.json
ENV GATEHOUSE_CONFIG=/app/conf/gatehouse.json
# 8080 HTTP, 7000 TCP echo and 7001/udp UDP echo (the demo), 9900 admin API and /metrics, 5701 Hazelcast
EXPOSE 8080 7000 7001/udp 9900 5701
USER gatehouse
# GATEHOUSE_ADMIN_PORT: when a mounted configuration moves admin.port
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD curl -fsS -o /dev/null "http://127.0.0.1:${GATEHOUSE_ADMIN_PORT:-9900}/health" || exit 1
ENTRYPOINT ["/app/bin/gatehouse"]
