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
# Parallel GC: young pauses of well under a millisecond for the gateway's small live set (G1's are 2-3 ms, which
# shows in p99 latency); override with -e JDK_JAVA_OPTIONS=...
ENV JDK_JAVA_OPTIONS="-XX:+UseParallelGC"
ENTRYPOINT ["java", "-jar", "/app/gatehouse.jar"]
CMD ["--config", "/app/conf/gatehouse.json"]
