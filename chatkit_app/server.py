def get_server():
    return None
