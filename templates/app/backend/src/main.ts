// The platform routes /api/<app>/ to this container with the prefix kept, and checks /health.
import "reflect-metadata";
import { NestFactory } from "@nestjs/core";
import { AppModule } from "./app.module.js";

const app = process.env.APP_NAME;
if (!app) throw new Error("APP_NAME is not set; the platform sets it to the app's name");

const nest = await NestFactory.create(AppModule);
// /health stays outside the prefix: the platform's health check calls it on the container directly.
nest.setGlobalPrefix(`api/${app}`, { exclude: ["health"] });
// docker stop sends SIGTERM: finish in-flight requests while the release drains this container.
nest.enableShutdownHooks();
await nest.listen(Number(process.env.PORT ?? 3000), "0.0.0.0");
