# Gatehouse: build the runnable jar with Maven, run it on a JRE.
FROM maven:3-eclipse-temurin-17 AS build
# gcc builds the optional OpenSSL 3 RSA signer into the jar (src/main/native; skipped without it)
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src ./src
RUN mvn -B -q package -DskipTests

FROM eclipse-temurin:17-jre
# libcrypto.so.3 for RSA handshake signatures (the jar falls back to BoringSSL without it)
RUN apt-get update && apt-get install -y --no-install-recommends openssl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /src/target/gatehouse.jar /app/gatehouse.jar
# the default --cluster-config is cluster/hazelcast.xml, relative to the working directory
COPY cluster/hazelcast.xml /app/cluster/hazelcast.xml
COPY conf /app/conf
# 8080 listeners, 9900 admin API and /metrics, 5701 Hazelcast
EXPOSE 8080 9900 5701
# Parallel GC: shorter young pauses than G1's for the gateway's small live set (they show in p99 latency), and a
# 64 MB initial heap that grows under load (an idle gateway holding connections stays small); see bench/NOTES.md.
# Override with -e JDK_JAVA_OPTIONS=...
ENV JDK_JAVA_OPTIONS="-XX:+UseParallelGC -Xms64m"
ENTRYPOINT ["java", "-jar", "/app/gatehouse.jar"]
CMD ["--config", "/app/conf/gatehouse.json"]
