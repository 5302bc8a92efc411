from django.http import JsonResponse


async def chatkit(request):
    return JsonResponse({})


async def healthz(request):
    return JsonResponse({"status": "ok"})
