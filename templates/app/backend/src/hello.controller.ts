// GET /api/<app>/hello: an example route; the database settings arrive as DATABASE_* env.
import { Controller, Get } from "@nestjs/common";

@Controller("hello")
export class HelloController {
    @Get()
    hello() {
        return { app: process.env.APP_NAME, database: process.env.DATABASE_NAME ?? null };
    }
}
