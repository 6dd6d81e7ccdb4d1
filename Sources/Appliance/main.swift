print("tradewizard")
