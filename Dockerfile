# One image for every role: the command picks it (start | gateway | worker --accounts … | migrate).
#   docker build -t switchyard .
#   docker run -p 3000:3000 -v switchyard-data:/data switchyard            # embedded mode
# The build stage compiles TypeScript with the dev dependencies; the runtime stage keeps only
# production dependencies, the compiled code and the SQL migrations.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY web ./web
RUN npx tsc -p tsconfig.build.json && node web/build.mjs && npm prune --omit=dev --ignore-scripts

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    SWITCHYARD_DATA_DIR=/data
WORKDIR /app
# claude_cli accounts run the official Claude Code CLI, pinned to the version the tests use.
ARG CLAUDE_CODE_VERSION=2.1.197
RUN npm install -g --ignore-scripts "@anthropic-ai/claude-code@${CLAUDE_CODE_VERSION}" \
    && npm cache clean --force \
    && mkdir -p /data && chown node:node /data
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/src/store/migrations ./src/store/migrations
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "dist/main.js"]
CMD ["start"]
