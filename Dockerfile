# PKI Manager: build the workspace, then run the backend (which serves the built UI).
# Production should use Node 22 or 24 LTS; the workspace also supports Node >= 20.19.
FROM node:22-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
RUN npm install -g pnpm@10
WORKDIR /src
COPY . .
RUN pnpm install --frozen-lockfile && pnpm build && pnpm --filter @pki/backend deploy --prod --legacy /out \
  && cp -r backend/drizzle /out/drizzle && mkdir -p /out/frontend && cp -r frontend/dist /out/frontend/dist

FROM node:22-bookworm-slim
# PKI_PUBLIC_URL must be set at `docker run -e PKI_PUBLIC_URL=https://pki.example.com`: it is
# written into every certificate (CRL, OCSP and CA-issuer URLs) forever, and the server refuses
# to start in production on the wildcard address below without it.
ENV NODE_ENV=production PKI_MODE=production PKI_HOST=0.0.0.0 PKI_DATA_DIR=/data PKI_FRONTEND_DIR=/app/frontend/dist
WORKDIR /app
COPY --from=build /out /app
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s CMD node -e "fetch('http://127.0.0.1:3000/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/server.js"]
