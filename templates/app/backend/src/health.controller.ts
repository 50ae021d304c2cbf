// 200 while this process can serve. Keep it cheap: it runs every few seconds, and a release
// waits for it before any traffic is switched here.
import { Controller, Get } from "@nestjs/common";

@Controller("health")
export class HealthController {
    @Get()
    check() {
        return { status: "ok" };
    }
}
