# gamelake worker / CLI image. Node 24 runs the TypeScript sources directly (type stripping).
FROM node:24.11.1-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY cli ./cli
COPY platform ./platform
COPY workflows ./workflows
COPY activities ./activities
COPY transforms ./transforms
COPY warehouse ./warehouse
COPY queries ./queries
ENV GAMELAKE_DATA_DIR=/data
VOLUME ["/data"]
ENTRYPOINT ["node", "bin/gamelake.js"]
CMD ["worker"]
